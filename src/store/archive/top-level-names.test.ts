import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { topLevelNames } from './top-level-names.ts';

async function archive(entries: Array<{ name: string; type?: 'file' | 'directory' }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const entry of entries) {
    if (entry.type === 'directory') pack.entry({ name: entry.name, type: 'directory' });
    else pack.entry({ name: entry.name }, 'x');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return promisify(gzip)(Buffer.concat(chunks));
}

describe('topLevelNames', () => {
  it('lists the files and directories right under task/, once each, sorted', async () => {
    const bytes = await archive([{ name: 'task/src', type: 'directory' }, { name: 'task/src/Main.java' }, { name: 'task/pom.xml' }, { name: 'task/lib/a.jar' }]);
    expect(await topLevelNames(Readable.from([bytes]))).toEqual(['lib', 'pom.xml', 'src']);
  });

  it('ignores entries outside task/', async () => {
    const bytes = await archive([{ name: 'run/dockhand/payload.json' }, { name: 'task/main.py' }]);
    expect(await topLevelNames(Readable.from([bytes]))).toEqual(['main.py']);
  });
});
