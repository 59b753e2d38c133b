// One import point for Preact + htm (htm's standalone build, served from node_modules at /ui/vendor/).
// htm builds elements, never HTML strings: every value interpolated into a template becomes a text
// node or a property, so a task's log, payload or error message can never turn into markup.
export { html, render, useState, useEffect, useRef, useMemo, useCallback } from '/ui/vendor/preact-htm.js';
