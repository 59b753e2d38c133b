// Small pieces every page uses: times with their UTC value on hover, status badges, errors, buttons
// that confirm in place (no browser dialog), and a polling hook that stops when the page goes away.
import { html, useEffect, useRef, useState } from '../html.js';
import { localTime, utcTitle } from '../format.js';

export function Time({ iso }) {
  if (!iso) return html`<span class="muted">–</span>`;
  return html`<time datetime=${iso} title=${utcTitle(iso)}>${localTime(iso)}</time>`;
}

export function Status({ status }) {
  return html`<span class=${`badge status-${status}`}>${status}</span>`;
}

export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.code ? `${error.code}: ` : ''}${error.message}</p>`;
}

/** Runs `load` now and every `ms` while mounted (and while `active`), keeping the latest answer. */
export function usePoll(load, ms, deps = [], active = true) {
  const [state, setState] = useState({ data: undefined, error: undefined });
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let stopped = false;
    let timer;
    const tick = async () => {
      try {
        const data = await loadRef.current();
        if (!stopped) setState({ data, error: undefined });
      } catch (error) {
        if (!stopped) setState((previous) => ({ data: previous.data, error }));
      }
      if (!stopped && active) timer = setTimeout(tick, ms);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [...deps, active]);
  return state;
}

/** A button that asks "sure?" in place before it acts, and shows the outcome or the error. */
export function ActionButton({ label, confirm, action, disabled, className = '' }) {
  const [stage, setStage] = useState('idle');
  const [error, setError] = useState(undefined);
  const run = async () => {
    setStage('busy');
    setError(undefined);
    try {
      await action();
      setStage('idle');
    } catch (err) {
      setError(err);
      setStage('idle');
    }
  };
  if (stage === 'confirm') {
    return html`<span class="confirm" role="group" aria-label=${confirm}>
      <span>${confirm}</span>
      <button class="danger" onClick=${run}>Yes, ${label.toLowerCase()}</button>
      <button onClick=${() => setStage('idle')}>Back</button>
    </span>`;
  }
  return html`<span class="action">
    <button class=${className} disabled=${disabled || stage === 'busy'} onClick=${() => (confirm ? setStage('confirm') : run())}>${stage === 'busy' ? `${label}…` : label}</button>
    <${ErrorNote} error=${error} />
  </span>`;
}
