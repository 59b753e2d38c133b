/**
 * The CA certificates a dependency build trusts besides its image's own, and where they came from.
 * One rule for the server's builds at upload and for `dockhand run`:
 *   - DOCKHAND_EXTRA_CA_CERTS, which must name a readable PEM file (or the build fails naming it);
 *   - else NODE_EXTRA_CA_CERTS, when it names a readable PEM file: a machine whose Node already trusts
 *     a TLS-inspecting proxy builds through that proxy too. Anything else there is ignored, as Node does.
 *
 *   const extra = await extraCertificates(settings);   // { pem, file, source } | undefined
 */
import { readFile } from 'node:fs/promises';
import { DhError } from '../core/errors.ts';
import type { CertificateSource } from './certificate-failure.ts';

export interface ExtraCertificates {
  pem: string;
  file: string;
  source: CertificateSource;
}

const PEM_MARK = '-----BEGIN CERTIFICATE-----';

export async function extraCertificates(settings: { DOCKHAND_EXTRA_CA_CERTS?: string | undefined; NODE_EXTRA_CA_CERTS?: string | undefined }): Promise<ExtraCertificates | undefined> {
  const file = settings.DOCKHAND_EXTRA_CA_CERTS;
  if (!file) {
    const nodeFile = settings.NODE_EXTRA_CA_CERTS;
    if (!nodeFile) return undefined;
    const pem = await readFile(nodeFile, 'utf8').catch(() => '');
    return pem.includes(PEM_MARK) ? { pem, file: nodeFile, source: 'NODE_EXTRA_CA_CERTS' } : undefined;
  }
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new DhError('DH_ERR_CONFIG', `DOCKHAND_EXTRA_CA_CERTS names ${file}, which cannot be read (${(err as Error).message}); point it at a PEM file of CA certificates.`);
  }
  if (!pem.includes(PEM_MARK)) {
    throw new DhError('DH_ERR_CONFIG', `DOCKHAND_EXTRA_CA_CERTS names ${file}, which holds no PEM certificate (${PEM_MARK}).`);
  }
  return { pem, file, source: 'DOCKHAND_EXTRA_CA_CERTS' };
}

/** The build log's first line says which certificates the build trusts, so a proxy problem is easy to place. */
export function trustNote(extra: ExtraCertificates | undefined): string {
  return extra ? `; trusting the CA certificates in ${extra.file} (${extra.source})` : '';
}
