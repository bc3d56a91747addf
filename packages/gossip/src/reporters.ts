/**
 * Who suspects whom, as published in members' own entries, indexed by subject.
 *
 * Invariants:
 *   1. For every reporter R, the index holds exactly the reports of R's latest
 *      published list: `set` replaces, `remove` deletes all of R's.
 *   2. Size is bounded by members × `suspectsPublishedMax`.
 */
import type { SuspectReport } from './state.js';

/** A report as indexed: the subject's generation and the last heartbeat the reporter saw. */
export type IndexedReport = readonly [generation: number, heartbeat: number];

/** The subject → reporter → report index. */
export class ReporterIndex {
  private readonly bySubject = new Map<string, Map<string, IndexedReport>>();
  private readonly byReporter = new Map<string, readonly SuspectReport[]>();

  /** Replaces `reporter`'s reports; returns the subjects whose reports changed. */
  set(reporter: string, reports: readonly SuspectReport[]): string[] {
    const touched = this.remove(reporter);
    for (const [subject, generation, heartbeat] of reports) {
      let reporters = this.bySubject.get(subject);
      if (reporters === undefined) this.bySubject.set(subject, (reporters = new Map()));
      reporters.set(reporter, [generation, heartbeat]);
      touched.push(subject);
    }
    if (reports.length > 0) this.byReporter.set(reporter, reports);
    return touched;
  }

  /** Drops every report of `reporter`; returns their subjects. */
  remove(reporter: string): string[] {
    const old = this.byReporter.get(reporter) ?? [];
    this.byReporter.delete(reporter);
    const touched: string[] = [];
    for (const [subject] of old) {
      const reporters = this.bySubject.get(subject);
      reporters?.delete(reporter);
      if (reporters?.size === 0) this.bySubject.delete(subject);
      touched.push(subject);
    }
    return touched;
  }

  /** The reports on `subject`, by reporter id. */
  reportsOn(subject: string): ReadonlyMap<string, IndexedReport> {
    return this.bySubject.get(subject) ?? emptyReports;
  }
}

const emptyReports: ReadonlyMap<string, IndexedReport> = new Map();
