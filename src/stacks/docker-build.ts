/**
 * One `docker build` through the engine API (dockerode's buildImage, classic builder), with the JSON
 * progress stream turned into step lines for the caller and a log tail kept for errors.
 *
 *   const id = await runDockerBuild(docker, { context: packContext(files), dockerfile: 'Dockerfile',
 *     tag: 'dockhand/stack-node-20:3f9c0a1b2c4d', buildArgs: { BASE_IMAGE: base }, onStep: console.error });
 */
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';

export interface DockerBuildRequest {
  context: NodeJS.ReadableStream;
  dockerfile: string;
  /** Shown in errors: which image this build was for. */
  description: string;
  tag?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Ignore the engine's layer cache: every step runs again. */
  noCache?: boolean;
  /** Each `Step N/M : ...` line, as the builder reaches it. */
  onStep?: (step: string) => void;
}

/** The engine's build stream: one JSON object per line. */
interface BuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

const TAIL_LINES = 40;

/** Builds and returns the new image's id; throws with the end of the build log on failure. */
export async function runDockerBuild(docker: Docker, request: DockerBuildRequest): Promise<string> {
  const tail: string[] = [];
  let imageId: string | undefined;
  let failure: string | undefined;
  const onMessage = (message: BuildMessage): void => {
    if (message.aux?.ID) imageId = message.aux.ID;
    if (message.error) failure = message.errorDetail?.message ?? message.error;
    const text = message.stream ?? message.status ?? message.error ?? '';
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      if (/^Step \d+\/\d+ : /.test(line)) request.onStep?.(line);
    }
  };

  let response: NodeJS.ReadableStream;
  try {
    response = await docker.buildImage(request.context, {
      dockerfile: request.dockerfile,
      ...(request.tag ? { t: request.tag } : {}),
      buildargs: request.buildArgs ?? {},
      labels: request.labels ?? {},
      rm: true,
      forcerm: true,
      pull: false,
      nocache: request.noCache === true,
    });
  } catch (err) {
    throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `The Docker engine refused the build of ${request.description}: ${(err as Error).message}`);
  }
  try {
    await consumeJsonLines(response, onMessage);
  } catch (err) {
    failure ??= `the build stream broke: ${(err as Error).message}`;
  }
  if (failure !== undefined || imageId === undefined) {
    throw new DhError('DH_ERR_STACK_BUILD_FAILED', `Building ${request.description} failed: ${failure ?? 'the engine reported no image id'}. The end of the build log:\n${tail.join('\n')}`, { image: request.description });
  }
  return imageId;
}

/** Reads newline-delimited JSON, tolerating objects split across chunks; non-JSON lines are skipped. */
export async function consumeJsonLines<T>(stream: NodeJS.ReadableStream, onObject: (value: T) => void): Promise<void> {
  let pending = '';
  const handle = (line: string): void => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    try {
      onObject(JSON.parse(trimmed) as T);
    } catch {
      // The engine only sends JSON here; a stray line is not worth failing a build over.
    }
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    pending += chunk.toString();
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      handle(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  }
  handle(pending);
}
