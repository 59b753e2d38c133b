import { describe, expect, it } from 'vitest';
import { assertRuntimeRegistered } from './oci-runtime.ts';

describe('assertRuntimeRegistered', () => {
  it('accepts a runtime the engine has registered', () => {
    expect(() => assertRuntimeRegistered('runsc', ['runc', 'runsc'])).not.toThrow();
  });

  it('refuses an unregistered runtime with the setting, what the engine has, and where to register it', () => {
    expect(() => assertRuntimeRegistered('runsc', ['io.containerd.runc.v2', 'runc'])).toThrow(
      expect.objectContaining({
        code: 'DH_ERR_CONFIG',
        message: expect.stringMatching(/DOCKHAND_RUNTIME.*no runtime "runsc".*io\.containerd\.runc\.v2, runc.*daemon\.json/),
      }),
    );
  });
});
