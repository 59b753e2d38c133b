/**
 * Tells a dependency build that failed on a TLS certificate from one that failed for any other reason,
 * from the end of its log, so the upload's error can name the setting that fixes it. Pure: log lines in,
 * a sentence (or nothing) out.
 *
 *   certificateFailureHint(['npm error code SELF_SIGNED_CERT_IN_CHAIN'], undefined)
 *   // 'The build could not verify a TLS certificate ... set DOCKHAND_EXTRA_CA_CERTS ...'
 */

/** What npm, pip, curl, git, Go, Ruby, Composer and Maven print when a certificate chain is not trusted. */
const CERTIFICATE_ERRORS = [
  /SELF_SIGNED_CERT_IN_CHAIN/,
  /DEPTH_ZERO_SELF_SIGNED_CERT/,
  /UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?/,
  /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
  /CERT_UNTRUSTED/,
  /CERTIFICATE_VERIFY_FAILED/,
  /self[- ]signed certificate in certificate chain/i,
  /unable to get local issuer certificate/i,
  /x509: certificate signed by unknown authority/i,
  /SSL certificate problem/i,
  /PKIX path building failed/,
];

/** Where the build's extra certificates came from, if it had any. */
export type CertificateSource = 'DOCKHAND_EXTRA_CA_CERTS' | 'NODE_EXTRA_CA_CERTS';

export function isCertificateFailure(lines: readonly string[]): boolean {
  return lines.some((line) => CERTIFICATE_ERRORS.some((pattern) => pattern.test(line)));
}

/** A sentence to add to the error of a failed build, or undefined when the log shows no certificate failure. */
export function certificateFailureHint(lines: readonly string[], trusted: CertificateSource | undefined): string | undefined {
  if (!isCertificateFailure(lines)) return undefined;
  const fix = 'set DOCKHAND_EXTRA_CA_CERTS on the server to a PEM file holding the CA certificate of the TLS-inspecting proxy between it and the registry';
  if (trusted) return `The build could not verify a TLS certificate although it trusted the certificates named by ${trusted}: ${fix} (that file does not hold the right CA).`;
  return `The build could not verify a TLS certificate (a TLS-inspecting proxy?): ${fix} (or start the server with NODE_EXTRA_CA_CERTS naming it).`;
}
