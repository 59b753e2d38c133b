import { describe, expect, it } from 'vitest';
import { planPackages, REQUIRED_PROGRAMS, TEST_PROGRAMS } from './packages.ts';

const debianRoot = { isRoot: true, isDebian: true, env: {} };

describe('planPackages', () => {
  it('does nothing when every program is present', () => {
    expect(planPackages({ ...debianRoot, missing: [] })).toEqual({ action: 'none' });
  });

  it('installs the Debian packages of the missing programs when root on Debian', () => {
    expect(planPackages({ ...debianRoot, missing: ['dockerd', 'debootstrap'] })).toEqual({ action: 'install', packages: ['docker.io', 'debootstrap'] });
  });

  it('needs no local engine or Redis when DOCKER_HOST and REDIS_URL point elsewhere', () => {
    const plan = planPackages({ ...debianRoot, missing: ['dockerd', 'redis-server'], env: { DOCKER_HOST: 'tcp://10.0.0.2:2375', REDIS_URL: 'redis://10.0.0.3' } });
    expect(plan).toEqual({ action: 'none' });
  });

  it('tells a non-root user the exact apt-get command instead of installing', () => {
    const plan = planPackages({ isRoot: false, isDebian: true, env: {}, missing: ['redis-server', 'debootstrap'] });
    expect(plan.action).toBe('refuse');
    expect(plan.action === 'refuse' && plan.message).toContain('sudo apt-get install -y redis-server debootstrap');
  });

  it('names what to install on a system without apt', () => {
    const plan = planPackages({ isRoot: true, isDebian: false, env: {}, missing: ['dockerd'] });
    expect(plan.action === 'refuse' && plan.message).toMatch(/docker\.io.*package manager/);
  });

  it('adds the test suites\' packages (GlusterFS, the lab\'s namespace tools) only when asked for them', () => {
    const missing = ['glusterd', 'ip', 'debootstrap'];
    expect(planPackages({ ...debianRoot, missing })).toEqual({ action: 'install', packages: ['debootstrap'] });
    expect(planPackages({ ...debianRoot, missing }, [...REQUIRED_PROGRAMS, ...TEST_PROGRAMS])).toEqual({ action: 'install', packages: ['debootstrap', 'glusterfs-server', 'iproute2'] });
  });
  it('installs faketime (the chaos matrix\'s skewed clock) only when provisioning for the tests', () => {
    expect(planPackages({ ...debianRoot, missing: ['faketime'] })).toEqual({ action: 'none' });
    expect(planPackages({ ...debianRoot, missing: ['faketime'] }, [...REQUIRED_PROGRAMS, ...TEST_PROGRAMS])).toEqual({ action: 'install', packages: ['faketime'] });
  });
  it('installs Chromium only when provisioning for the tests', () => {
    const forTests = [...REQUIRED_PROGRAMS, ...TEST_PROGRAMS];
    expect(planPackages({ ...debianRoot, missing: ['chromium'] })).toEqual({ action: 'none' });
    expect(planPackages({ ...debianRoot, missing: ['chromium', 'redis-server'] }, forTests)).toEqual({ action: 'install', packages: ['redis-server', 'chromium'] });
    expect(planPackages({ ...debianRoot, missing: ['chromium'], env: { DOCKHAND_CHROMIUM: '/opt/chrome/chrome' } }, forTests)).toEqual({ action: 'none' });
  });
});
