import { describe, expect, it } from 'vitest';
import { ironCodeUpload, runnerCommand } from './ironworker-code.ts';

function ok(raw: unknown) {
  const result = ironCodeUpload(raw);
  if (!result.ok) throw new Error(`refused: ${result.field}: ${result.message}`);
  return result;
}

function refused(raw: unknown) {
  const result = ironCodeUpload(raw);
  if (result.ok) throw new Error('accepted');
  return result;
}

describe('IronWorker code uploads', () => {
  it('drops every field that would weaken isolation: nothing of HostConfig comes through /2', () => {
    const { upload } = ok({
      name: 'weaker', image: 'dockhand/stack-shell:latest', command: 'id', privileged: true, cap_add: ['SYS_ADMIN'], devices: ['/dev/kmsg'],
      binds: ['/:/host'], volumes: ['/var/run/docker.sock:/var/run/docker.sock'], security_opt: ['seccomp=unconfined', 'apparmor=unconfined'],
      user: 'root', userns_mode: 'host', network_mode: 'host', pid_mode: 'host',
    });
    for (const weak of ['privileged', 'cap_add', 'devices', 'binds', 'volumes', 'security_opt', 'user', 'userns_mode', 'network_mode', 'pid_mode']) expect(upload).not.toHaveProperty(weak);
    expect(upload.network).toBe(false);
  });

  it('takes an egress allow-list as a list or a comma-separated string, and refuses one that opens metadata', () => {
    expect(ok({ name: 'a', image: 'x', command: 'id', network: true, egress: '10.1.2.3:80, db.internal' }).upload.egress).toEqual(['10.1.2.3:80', 'db.internal']);
    expect(refused({ name: 'a', image: 'x', command: 'id', network: true, egress: ['169.254.169.254'] }).message).toMatch(/never be opened/);
    expect(refused({ name: 'a', image: 'x', command: 'id', egress: ['10.1.2.3'] }).message).toMatch(/needs network: true/);
  });

  it('runs a zip-era package with its runtime, the file and the runner arguments, on the default stack', () => {
    const { upload, origin } = ok({ name: 'hello', runtime: 'sh', file_name: '__runner__.sh', content_type: 'text/plain' });
    expect(upload.command).toBe('sh __runner__.sh -d "$TASK_DIR" -id "$TASK_ID" -payload "$PAYLOAD_FILE" -config "$CONFIG_FILE"');
    expect(upload.stack).toBeUndefined();
    expect(upload.image).toBeUndefined();
    expect(origin).toEqual({ runtime: 'sh', file_name: '__runner__.sh' });
  });

  it('maps the node and python runtimes onto their interpreters', () => {
    expect(runnerCommand('node', 'worker.js')).toMatch(/^node worker\.js -d /);
    expect(ok({ name: 'py', runtime: 'python', file_name: 'src/main.py' }).upload.command).toMatch(/^python3 src\/main\.py -d /);
  });

  it('takes an image with its command, and refuses an image without one', () => {
    expect(ok({ name: 'img', image: 'acme/worker:1', command: './run' }).upload).toMatchObject({ image: 'acme/worker:1', command: './run' });
    expect(refused({ name: 'img', image: 'acme/worker:1' }).field).toBe('command');
  });

  it('refuses runtimes the default stack lacks, half a zip description, and file names a shell would read', () => {
    expect(refused({ name: 'x', runtime: 'ruby', file_name: 'w.rb' })).toMatchObject({ field: 'runtime' });
    expect(refused({ name: 'x', runtime: 'sh' })).toMatchObject({ field: 'file_name' });
    expect(refused({ name: 'x', file_name: 'w.sh' })).toMatchObject({ field: 'runtime' });
    for (const file_name of ['../w.sh', '/etc/passwd', 'w.sh;id', 'a b.sh', '$(id).sh', '-rf']) {
      expect(refused({ name: 'x', runtime: 'sh', file_name })).toMatchObject({ field: 'file_name' });
    }
    expect(refused({ name: 'x', runtime: 'sh', file_name: 'w.sh', image: 'a/b' }).field).toBe('runtime');
    expect(refused({ name: 'x', runtime: 'sh', file_name: 'w.sh', command: 'true' }).field).toBe('command');
  });

  it('keeps IronWorker options, drops fields Dockhand has no use for, and applies the native rules', () => {
    const { upload } = ok({
      name: 'opts', image: 'a/b', command: 'run', max_concurrency: '4', retries: 3, retries_delay: '30', priority: 2,
      env_vars: { GREETING: 'hi' }, config: { key: 'v' }, host: 'ignored', stack_version: 'ignored',
    });
    expect(upload).toMatchObject({ max_concurrency: 4, retries: 3, retries_delay: 30, default_priority: 2, env_vars: { GREETING: 'hi' }, config: { key: 'v' } });
    expect(refused({ name: 'opts', image: 'a/b', command: 'run', retries: 11 }).field).toBe('retries');
    expect(refused({ name: 'opts', image: 'a/b', command: 'run', env_vars: { TASK_ID: 'x' } }).field).toBe('env_vars');
    expect(refused({ name: 'bad name!', image: 'a/b', command: 'run' }).field).toBe('name');
    expect(refused({ image: 'a/b', command: 'run' }).field).toBe('name');
  });

  it('reads max_concurrency 0 as no limit, and gives every package a config file', () => {
    expect(ok({ name: 'c', image: 'a/b', command: 'run', max_concurrency: 0 }).upload.max_concurrency).toBe(-1);
    expect(ok({ name: 'c', image: 'a/b', command: 'run' }).upload.config).toBe('');
  });
});
