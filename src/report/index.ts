/** The DR report and its formats. */
import type { DrReport } from './dr.js';
import { renderCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import { renderTable } from './render-table.js';

export { type DrReport, type DrRow, drReport, rpoMet } from './dr.js';

export const DR_FORMATS = ['table', 'json', 'csv', 'markdown', 'html'] as const;
export type DrFormat = (typeof DR_FORMATS)[number];

export function renderDrReport(report: DrReport, format: DrFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return renderCsv(report);
    case 'markdown':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
    case 'table':
      return renderTable(report);
  }
}
