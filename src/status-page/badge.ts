// A shields.io-style badge of the overall state, or of one component; and the page's icon.
const escapeXml = (text: string) => text.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);
// Approximate Verdana 11px advance widths, as shields does, so the text fits.
const width = (text: string) =>
  Math.round([...text].reduce((sum, ch) => sum + (/[ilj.,:;'|!]/.test(ch) ? 3.5 : /[mwMW]/.test(ch) ? 9.5 : /[A-Z]/.test(ch) ? 7.5 : 6.5), 0)) + 10;

import type { ComponentState } from "./page-model.ts";

const OK = "#2ea44f";
const WARN = "#dbab09";
const BAD = "#cb2431";
const MAINTENANCE = "#0366d6";

/** The one colour of each state, for badges and the page's icon. */
export const STATE_COLOR: Record<ComponentState, string> = {
  operational: OK,
  under_maintenance: MAINTENANCE,
  degraded_performance: WARN,
  partial_outage: BAD,
  major_outage: BAD,
};

export function badgeSvg(label: string, message: string, color: string): string {
  const lw = width(label);
  const mw = width(message);
  const total = lw + mw;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${escapeXml(`${label}: ${message}`)}">
<title>${escapeXml(`${label}: ${message}`)}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${total}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${color}"/><rect width="${total}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${lw / 2}" y="14">${escapeXml(label)}</text><text x="${lw + mw / 2}" y="14">${escapeXml(message)}</text>
</g>
</svg>
`;
}

/** The page's icon: a dot in the colour of the state (the favicon shows the state in a tab). */
export function faviconSvg(color: string = OK): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="${color}"/></svg>`;
}
