/**
 * The clause map: which checks give evidence for which clause of 21 CFR
 * Part 11, EU GMP Annex 11 and IEC 62443-3-3. This file is the one place
 * the mapping lives (docs/compliance.md explains each line). A clause with
 * no checks is one taogate cannot evidence: the site's procedures must.
 */
export type Framework = '21 CFR Part 11' | 'EU GMP Annex 11' | 'IEC 62443-3-3';

export interface Clause {
  readonly id: string;
  readonly framework: Framework;
  readonly title: string;
  /** Check ids (./checks) that give evidence; empty = procedural, no evidence from taogate. */
  readonly checks: readonly string[];
  /** For procedural clauses: what the site must provide instead. */
  readonly procedural?: string;
}

export const CLAUSES: readonly Clause[] = [
  { id: '21 CFR 11.10(a)', framework: '21 CFR Part 11', title: 'Validation: accuracy, reliability, consistent intended performance, ability to discern invalid or altered records', checks: ['IQ-01', 'IQ-05', 'OQ-02', 'OQ-07', 'OQ-10'] },
  { id: '21 CFR 11.10(b)', framework: '21 CFR Part 11', title: 'Accurate and complete copies of records in human readable and electronic form', checks: ['IQ-05', 'OQ-02', 'OQ-12'] },
  { id: '21 CFR 11.10(c)', framework: '21 CFR Part 11', title: 'Protection of records for accurate and ready retrieval', checks: ['IQ-05', 'IQ-06', 'OQ-10', 'OQ-12'] },
  { id: '21 CFR 11.10(d)', framework: '21 CFR Part 11', title: 'Limiting system access to authorized individuals', checks: ['IQ-03', 'OQ-01', 'OQ-03'] },
  { id: '21 CFR 11.10(e)', framework: '21 CFR Part 11', title: 'Secure, computer-generated, time-stamped audit trails', checks: ['OQ-02', 'OQ-10', 'OQ-11'] },
  { id: '21 CFR 11.10(f)', framework: '21 CFR Part 11', title: 'Operational system checks to enforce permitted sequencing of steps and events', checks: ['OQ-05', 'OQ-08'] },
  { id: '21 CFR 11.10(g)', framework: '21 CFR Part 11', title: 'Authority checks: only authorized individuals can use the system, sign, alter records or perform operations', checks: ['OQ-01', 'OQ-03', 'OQ-04', 'OQ-06', 'OQ-07', 'OQ-08'] },
  { id: '21 CFR 11.10(h)', framework: '21 CFR Part 11', title: 'Device checks: validity of the source of data input or operational instruction', checks: ['OQ-01', 'OQ-06'] },
  { id: '21 CFR 11.10(i)', framework: '21 CFR Part 11', title: 'Education, training and experience of the people who develop, maintain or use the system', checks: [], procedural: 'training records of the site' },
  { id: '21 CFR 11.10(j)', framework: '21 CFR Part 11', title: 'Written policies holding individuals accountable for actions under their electronic signatures', checks: [], procedural: 'the site\'s signature policy (SOP)' },
  { id: '21 CFR 11.10(k)', framework: '21 CFR Part 11', title: 'Controls over systems documentation (distribution, revision and change control)', checks: ['IQ-01', 'IQ-02'] },
  { id: '21 CFR 11.50', framework: '21 CFR Part 11', title: 'Signature manifestations: name of the signer, date and time, meaning of the signature', checks: ['OQ-09'] },
  { id: '21 CFR 11.70', framework: '21 CFR Part 11', title: 'Signature/record linking: signatures cannot be excised, copied or transferred to falsify a record', checks: ['OQ-03', 'OQ-09'] },
  { id: '21 CFR 11.100', framework: '21 CFR Part 11', title: 'Electronic signatures are unique to one individual and not reused or reassigned', checks: ['IQ-04', 'OQ-08'] },
  { id: '21 CFR 11.200', framework: '21 CFR Part 11', title: 'Electronic signature components and controls: used only by their genuine owner', checks: ['IQ-03', 'OQ-08'] },
  { id: '21 CFR 11.300', framework: '21 CFR Part 11', title: 'Controls for identification codes and passwords (keys): uniqueness, safeguards against unauthorized use', checks: ['IQ-03', 'IQ-04', 'OQ-03'] },
  { id: 'EU GMP Annex 11 §7', framework: 'EU GMP Annex 11', title: 'Data storage: secured against damage, accessible, readable and accurate throughout retention', checks: ['IQ-05', 'IQ-06', 'OQ-10', 'OQ-12'] },
  { id: 'EU GMP Annex 11 §9', framework: 'EU GMP Annex 11', title: 'Audit trails: a record of GMP-relevant changes and who made them, when and why', checks: ['OQ-02', 'OQ-10', 'OQ-11'] },
  { id: 'EU GMP Annex 11 §12', framework: 'EU GMP Annex 11', title: 'Security: physical and logical controls restrict access to authorised persons', checks: ['IQ-03', 'OQ-01', 'OQ-03'] },
  { id: 'EU GMP Annex 11 §14', framework: 'EU GMP Annex 11', title: 'Electronic signature: permanently linked to the record, with time and date', checks: ['OQ-08', 'OQ-09'] },
  { id: 'IEC 62443-3-3 SR 1.1', framework: 'IEC 62443-3-3', title: 'Human user identification and authentication', checks: ['OQ-01', 'OQ-08'] },
  { id: 'IEC 62443-3-3 SR 1.2', framework: 'IEC 62443-3-3', title: 'Software process and device identification and authentication', checks: ['IQ-04', 'OQ-01', 'OQ-06'] },
  { id: 'IEC 62443-3-3 SR 2.1', framework: 'IEC 62443-3-3', title: 'Authorization enforcement', checks: ['OQ-01', 'OQ-04', 'OQ-05', 'OQ-07', 'OQ-08', 'OQ-13'] },
  { id: 'IEC 62443-3-3 SR 2.8', framework: 'IEC 62443-3-3', title: 'Auditable events', checks: ['OQ-02', 'OQ-07'] },
  { id: 'IEC 62443-3-3 SR 2.12', framework: 'IEC 62443-3-3', title: 'Non-repudiation', checks: ['OQ-02', 'OQ-09'] },
  { id: 'IEC 62443-3-3 SR 3.1', framework: 'IEC 62443-3-3', title: 'Communication integrity', checks: ['OQ-03', 'OQ-12'] },
  { id: 'IEC 62443-3-3 SR 3.3', framework: 'IEC 62443-3-3', title: 'Security functionality verification', checks: ['IQ-01', 'IQ-05', 'OQ-13'] },
  { id: 'IEC 62443-3-3 SR 3.9', framework: 'IEC 62443-3-3', title: 'Protection of audit information', checks: ['OQ-10', 'OQ-12'] },
];

/** The clause ids a check gives evidence for, in map order. */
export function clausesOf(checkId: string): string[] {
  return CLAUSES.filter((c) => c.checks.includes(checkId)).map((c) => c.id);
}
