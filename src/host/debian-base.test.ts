import { describe, expect, it } from 'vitest';
import { isPhaseLine } from './debian-base.ts';
import { splitRef } from './docker-images.ts';

describe('isPhaseLine', () => {
  it('keeps the phases, warnings and errors of a debootstrap run', () => {
    for (const line of ['I: Retrieving InRelease ', 'I: Resolving dependencies of required packages...', 'I: Unpacking required packages...', 'I: Configuring required packages...', 'I: Unpacking the base system...', 'I: Base system installed successfully.', 'W: Failure trying to run: chroot', 'E: Couldn\'t find these debs: foo']) {
      expect(isPhaseLine(line), line).toBe(true);
    }
  });

  it('drops the per-package lines and anything that is not a debootstrap message', () => {
    for (const line of ['I: Retrieving libc6 2.41-12+deb13u5', 'I: Validating bash 5.2.37-2+b10', 'I: Extracting apt...', 'I: Unpacking gcc-14-base:amd64...', 'I: Configuring dpkg...', 'dpkg: warning: something']) {
      expect(isPhaseLine(line), line).toBe(false);
    }
  });
});

describe('splitRef', () => {
  it('splits repository and tag, defaulting the tag to latest, and respects registry ports', () => {
    expect(splitRef('debian:trixie-slim')).toEqual({ repo: 'debian', tag: 'trixie-slim' });
    expect(splitRef('dockhand/base-trixie')).toEqual({ repo: 'dockhand/base-trixie', tag: 'latest' });
    expect(splitRef('registry:5000/debian')).toEqual({ repo: 'registry:5000/debian', tag: 'latest' });
    expect(splitRef('registry:5000/debian:12')).toEqual({ repo: 'registry:5000/debian', tag: '12' });
  });
});
