/**
 * The inline style sheet of the standalone planner export. Print first: landscape pages (A4 or A3,
 * whatever the printer is given), a page per day, table headers repeated on every page, colours
 * kept when printing. On screen it follows the reader's light or dark preference; print is always
 * light. Every colour pair used for text passes WCAG AA (4.5:1) on its background.
 */
export const PLANNER_EXPORT_CSS = `
:root {
  --text: #1b1b1f; --subtle: #454b54; --canvas: #ffffff; --head: #f1f3f6; --phase: #e6ebf2;
  --line: #d5dae1; --line-strong: #8d96a3; --planned-fill: #d4e3f5; --planned-edge: #1f4e79;
  --actual: #1f4e79; --phase-span: #6b7480; --late: #b42318; --late-text: #ffffff; --now: #a53a00; --ok: #1c6b3c;
  --hatch: rgba(255,255,255,0.45);
}
@media screen and (prefers-color-scheme: dark) {
  :root {
    --text: #ececee; --subtle: #b9bec6; --canvas: #17181b; --head: #23252a; --phase: #2b3038;
    --line: #3a3e45; --line-strong: #6c7480; --planned-fill: #27405c; --planned-edge: #9cc3ee;
    --actual: #9cc3ee; --phase-span: #9aa3ae; --late: #ff8f85; --late-text: #1b0a08; --now: #ffb072; --ok: #7fd6a0;
    --hatch: rgba(0,0,0,0.35);
  }
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; padding: 12mm; background: var(--canvas); color: var(--text);
  font: 9pt/1.35 "Segoe UI", "Helvetica Neue", Arial, sans-serif; }
@page { size: landscape; margin: 9mm; }
@media print { body { padding: 0; } }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 0; }
p { margin: 0 0 1.5mm; }
.meta { color: var(--subtle); }
.summary { margin: 2mm 0 3mm; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 2mm 6mm; margin: 0 0 4mm; padding: 2mm 3mm;
  border: 1px solid var(--line); border-radius: 2mm; color: var(--subtle); }
.legend span { display: inline-flex; align-items: center; gap: 1.5mm; }
.swatch { display: inline-block; width: 9mm; height: 3mm; border-radius: 0.8mm; }
.swatch.planned { background: var(--planned-fill); border: 1px solid var(--planned-edge); }
.swatch.actual { background: var(--actual); }
.swatch.running { background: repeating-linear-gradient(135deg, var(--actual) 0 2mm, var(--hatch) 2mm 3mm), var(--actual); }
.swatch.late { background: var(--late); }
.swatch.phase-span { height: 1.5mm; background: var(--phase-span); border-radius: 0; }
.swatch.now { width: 0; height: 4mm; border-left: 2px solid var(--now); border-radius: 0; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { text-align: left; vertical-align: middle; }
.overview { margin-bottom: 6mm; }
.overview th, .overview td { padding: 1mm 1.5mm; border-bottom: 1px solid var(--line); }
.overview thead th { background: var(--head); color: var(--subtle); font-weight: 600; border-bottom: 1px solid var(--line-strong); }
.overview .num { text-align: right; font-variant-numeric: tabular-nums; }
.phase-row th, .phase-row td { background: var(--phase); font-weight: 700; }
.chapter-name { padding-left: 4mm !important; }
.day { break-before: page; page-break-before: always; margin-top: 8mm; }
@media print { .day { margin-top: 0; } }
.day-title th { padding: 0 0 2mm; border: 0; }
.day-title .meta { font-weight: 400; font-size: 9pt; }
.grid th, .grid td { border-bottom: 1px solid var(--line); padding: 0.8mm 1.5mm; overflow: hidden; }
.grid .hour { padding: 0.8mm 0; text-align: center; font-weight: 600; color: var(--subtle);
  font-variant-numeric: tabular-nums; background: var(--head); border-left: 1px solid var(--line); }
.grid .hour.major { border-left-color: var(--line-strong); }
.grid .col-head { background: var(--head); color: var(--subtle); font-weight: 600; }
.grid .times { font-variant-numeric: tabular-nums; white-space: nowrap; color: var(--subtle); font-size: 7.5pt; }
.lane { padding: 0 !important; border-left: 1px solid var(--line-strong); }
.track { position: relative; height: 9mm; }
.phase-row .track { height: 6mm; }
.tick { position: absolute; top: 0; bottom: 0; border-left: 1px solid var(--line); }
.tick.major { border-left-color: var(--line-strong); }
.bar { position: absolute; min-width: 0.6mm; border-radius: 0.8mm; }
.bar.planned { top: 14%; height: 32%; background: var(--planned-fill); border: 1px solid var(--planned-edge); }
.bar.actual { top: 56%; height: 32%; background: var(--actual); }
.bar.running { background: repeating-linear-gradient(135deg, var(--actual) 0 2mm, var(--hatch) 2mm 3mm), var(--actual); }
.late .bar.actual { background-color: var(--late); }
.late .bar.running { background: repeating-linear-gradient(135deg, var(--late) 0 2mm, var(--hatch) 2mm 3mm), var(--late); }
.late .bar.planned { border-color: var(--late); }
.bar.phase-span { top: 38%; height: 24%; background: var(--phase-span); border-radius: 0; }
.bar.cont-before { border-top-left-radius: 0; border-bottom-left-radius: 0; border-left-width: 0; }
.bar.cont-after { border-top-right-radius: 0; border-bottom-right-radius: 0; border-right-width: 0; }
.now-line { position: absolute; top: 0; bottom: 0; border-left: 2px solid var(--now); }
.now-label { color: var(--now); font-weight: 700; }
.badge { display: inline-block; padding: 0 1.2mm; border-radius: 0.8mm; font-size: 7.5pt; font-weight: 700;
  background: var(--late); color: var(--late-text); white-space: nowrap; }
.state { color: var(--subtle); }
.state.done { color: var(--ok); font-weight: 600; }
.gap { margin: 0 0 2mm; color: var(--subtle); font-style: italic; }
footer { margin-top: 4mm; color: var(--subtle); font-size: 8pt; }
`;
