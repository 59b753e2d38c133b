import { describe, expect, it } from 'vitest';
import { certificateFailureHint } from './certificate-failure.ts';

describe('certificateFailureHint', () => {
  it('names DOCKHAND_EXTRA_CA_CERTS when npm fails on a proxy certificate', () => {
    const hint = certificateFailureHint(['npm error code SELF_SIGNED_CERT_IN_CHAIN', 'npm error errno SELF_SIGNED_CERT_IN_CHAIN'], undefined);
    expect(hint).toContain('DOCKHAND_EXTRA_CA_CERTS');
    expect(hint).toContain('NODE_EXTRA_CA_CERTS');
  });

  it('recognises pip, Go and curl wording', () => {
    for (const line of ['ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed', 'x509: certificate signed by unknown authority', 'curl: (60) SSL certificate problem: unable to get local issuer certificate']) {
      expect(certificateFailureHint([line], undefined)).toBeDefined();
    }
  });

  it('says the trusted file lacks the CA when the build already had extra certificates', () => {
    expect(certificateFailureHint(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY'], 'NODE_EXTRA_CA_CERTS')).toContain('trusted the certificates named by NODE_EXTRA_CA_CERTS');
  });

  it('adds nothing to a build that failed for another reason', () => {
    expect(certificateFailureHint(['npm error 404 Not Found - GET https://registry.npmjs.org/nope'], undefined)).toBeUndefined();
  });
});
