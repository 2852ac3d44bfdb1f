package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
)

// The HTML timeline: one self-contained page (the data, the style and
// the script are inline; nothing is fetched). Each CPU is a lane; each
// task slice a bar in the task's colour; a preemption is a mark at the
// slice's end, red for one on interrupt return and orange for one at
// preempt_enable(); preempt-off sections are shaded yellow and
// interrupt handlers (interrupts off) grey, over the lane; an arrow runs
// from each need_resched to the switch it caused, and from each wake-up
// to the woken task's switch-in. The wheel zooms around the pointer,
// dragging pans, and the buttons zoom and reset; page.html#A-B opens on
// milliseconds A to B.
//
// The page writes what it drew into the DOM (#drawn-slices, and a
// data-slices attribute on it), so a test can load it in a headless
// browser and compare with the trace.

type htmlData struct {
	CPUs     int          `json:"cpus"`
	End      float64      `json:"end"`
	Slices   [][7]any     `json:"slices"`   // cpu, start, end, name, pid, how it ended, where it was preempted
	Sections [][4]any     `json:"sections"` // cpu, kind, start, end
	Flows    [][6]any     `json:"flows"`    // kind, fromCPU, from, toCPU, to, pid
	Instants [][4]any     `json:"instants"` // cpu, kind, ts, label
	Switches int          `json:"switches"`
	Legend   []legendItem `json:"-"`
}

type legendItem struct{ Name, Colour string }

func writeHTML(w io.Writer, tl *timeline) error {
	d := htmlData{CPUs: tl.cpus, End: tl.endUS, Switches: tl.switches}
	for _, s := range tl.slices {
		at := ""
		if s.at != 0 {
			at = tl.sym(s.at)
		}
		d.Slices = append(d.Slices, [7]any{s.cpu, s.start, s.end, tl.sliceName(&s), s.pid, s.end_, at})
	}
	for _, s := range tl.sections {
		d.Sections = append(d.Sections, [4]any{s.cpu, s.kind, s.start, s.end})
	}
	for _, f := range tl.flows {
		d.Flows = append(d.Flows, [6]any{f.kind, f.fromCPU, f.from, f.toCPU, f.to, f.pid})
	}
	for _, in := range tl.instants {
		d.Instants = append(d.Instants, [4]any{in.cpu, in.kind, in.ts, fmt.Sprintf("%s %s (%s)", in.kind, tl.nameAt(in.pid, in.ts), in.arg)})
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	lanes := make([]int, tl.cpus)
	for i := range lanes {
		lanes[i] = i
	}
	return page.Execute(w, map[string]any{
		"Data":  template.JS(data),
		"Lanes": lanes,
		"CPUs":  tl.cpus,
		"Count": len(tl.slices),
	})
}

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>gopreempt trace</title>
<style>
body { font: 13px sans-serif; margin: 8px; background: #fafafa; }
#bar button { font: inherit; }
#view { position: relative; border: 1px solid #ccc; background: #fff; }
.lane { position: absolute; left: 0; width: 70px; font-weight: bold; padding-left: 4px; }
canvas { display: block; cursor: grab; }
#legend span { display: inline-block; margin-right: 12px; }
#legend i { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin-right: 4px; }
#tip { position: fixed; background: #ffe; border: 1px solid #999; padding: 2px 4px; pointer-events: none; display: none; }
</style></head><body>
<div id="bar"><b>gopreempt trace</b>: {{.CPUs}} CPUs.
<button id="zin">zoom in</button> <button id="zout">zoom out</button> <button id="reset">reset</button>
wheel: zoom, drag: pan. <span id="range"></span></div>
<div id="legend">
<span><i style="background:#d62728"></i>preempted on interrupt return</span>
<span><i style="background:#ff7f0e"></i>preempted at preempt_enable()</span>
<span><i style="background:rgba(255,215,0,.45)"></i>preempt-off</span>
<span><i style="background:rgba(90,90,90,.35)"></i>interrupts off (irq handler, local_irq_*)</span>
<span><i style="background:#9467bd"></i>need_resched &#8594; switch</span>
<span><i style="background:#2ca02c"></i>wake-up &#8594; switch-in</span>
</div>
<div id="view">{{range .Lanes}}<div class="lane" data-cpu="{{.}}">CPU {{.}}</div>{{end}}<canvas id="c"></canvas></div>
<p>Task slices drawn: <span id="drawn-slices" data-slices="0">0</span> (of {{.Count}} in the trace).</p>
<div id="tip"></div>
<script>
"use strict";
const D = {{.Data}};
const LANE = 56, TOP = 24, LEFT = 74, BAR = 30;
const cv = document.getElementById("c"), cx = cv.getContext("2d");
const W = Math.max(600, (window.innerWidth || 1200) - 20);
cv.width = W; cv.height = TOP + D.cpus * LANE + 8;
document.querySelectorAll(".lane").forEach(l => { l.style.top = (TOP + (+l.dataset.cpu) * LANE + LANE / 2 - 8) + "px"; });
let t0 = 0, t1 = D.end > 0 ? D.end : 1;
// trace.html#A-B opens on milliseconds A to B.
const hv = /^#([0-9.]+)-([0-9.]+)$/.exec(location.hash);
if (hv && +hv[2] > +hv[1]) { t0 = +hv[1] * 1000; t1 = +hv[2] * 1000; }
function colour(pid) { if (pid === 0) return "#ddd"; const h = (pid * 137.508) % 360; return "hsl(" + h + ",60%,62%)"; }
function X(t) { return LEFT + (t - t0) / (t1 - t0) * (W - LEFT - 8); }
function laneY(c) { return TOP + c * LANE + (LANE - BAR) / 2; }
function draw() {
  cx.clearRect(0, 0, cv.width, cv.height);
  cx.font = "11px sans-serif";
  // time axis
  cx.fillStyle = "#444"; cx.strokeStyle = "#eee";
  // ticks 1, 2 or 5 times a power of ten apart, at least 110 px
  let step = Math.pow(10, Math.floor(Math.log10((t1 - t0) / 20)));
  for (const m of [1, 2, 5, 10, 20, 50]) { if ((t1 - t0) / (step * m) <= (W - LEFT) / 110) { step *= m; break; } }
  const digits = Math.max(0, Math.min(6, 3 - Math.floor(Math.log10(step))));
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const x = X(t); cx.beginPath(); cx.moveTo(x, TOP - 4); cx.lineTo(x, cv.height); cx.stroke();
    cx.fillText((t / 1000).toFixed(digits) + " ms", x + 2, 12);
  }
  cx.save(); cx.beginPath(); cx.rect(LEFT, 0, W - LEFT, cv.height); cx.clip();
  let drawn = 0;
  for (const s of D.slices) {
    const [c, a, b, name, pid, how] = s;
    drawn++;
    if (b < t0 || a > t1) continue;
    const x0 = Math.max(X(a), LEFT), x1 = Math.min(X(b), W), y = laneY(c);
    cx.fillStyle = colour(pid); cx.fillRect(x0, y, Math.max(x1 - x0, 1), BAR);
    if (x1 - x0 > 40) { cx.fillStyle = "#000"; cx.fillText(name, x0 + 3, y + BAR / 2 + 4, x1 - x0 - 6); }
    if (how && how.startsWith("preempted")) {
      cx.fillStyle = how === "preempted-enable" ? "#ff7f0e" : "#d62728";
      cx.beginPath(); cx.moveTo(x1, y - 2); cx.lineTo(x1 - 5, y - 9); cx.lineTo(x1 + 5, y - 9); cx.fill();
      cx.fillRect(x1 - 1, y, 2, BAR);
    }
  }
  for (const s of D.sections) {
    const [c, kind, a, b] = s;
    if (b < t0 || a > t1) continue;
    const x0 = Math.max(X(a), LEFT), x1 = Math.min(X(b), W), y = laneY(c);
    cx.fillStyle = kind === "preempt-off" ? "rgba(255,215,0,.45)" : "rgba(90,90,90,.35)";
    if (kind !== "preempt-off") cx.fillRect(x0, y + BAR - 8, Math.max(x1 - x0, 1), 8);
    else cx.fillRect(x0, y - 3, Math.max(x1 - x0, 1), BAR + 6);
  }
  for (const f of D.flows) {
    const [kind, fc, a, tc, b] = f;
    if (b < t0 || a > t1) continue;
    const xa = X(a), xb = X(b), ya = laneY(fc) + (kind === "wakeup" ? 4 : BAR - 4), yb = laneY(tc) + BAR / 2;
    cx.strokeStyle = kind === "wakeup" ? "#2ca02c" : "#9467bd"; cx.fillStyle = cx.strokeStyle;
    cx.beginPath(); cx.moveTo(xa, ya); cx.lineTo(xb, yb); cx.stroke();
    const ang = Math.atan2(yb - ya, xb - xa);
    cx.beginPath(); cx.moveTo(xb, yb);
    cx.lineTo(xb - 6 * Math.cos(ang - 0.4), yb - 6 * Math.sin(ang - 0.4));
    cx.lineTo(xb - 6 * Math.cos(ang + 0.4), yb - 6 * Math.sin(ang + 0.4)); cx.fill();
  }
  cx.restore();
  const el = document.getElementById("drawn-slices");
  el.textContent = drawn; el.dataset.slices = drawn;
  document.getElementById("range").textContent = "showing " + (t0 / 1000).toFixed(3) + " .. " + (t1 / 1000).toFixed(3) + " ms";
}
function zoom(f, at) { const m = t0 + (at - LEFT) / (W - LEFT - 8) * (t1 - t0); t0 = m - (m - t0) * f; t1 = m + (t1 - m) * f; draw(); }
cv.addEventListener("wheel", e => { e.preventDefault(); zoom(e.deltaY < 0 ? 0.8 : 1.25, e.offsetX); });
let drag = null;
cv.addEventListener("mousedown", e => { drag = e.clientX; });
window.addEventListener("mouseup", () => { drag = null; });
window.addEventListener("mousemove", e => {
  if (drag !== null) { const dt = (e.clientX - drag) / (W - LEFT - 8) * (t1 - t0); t0 -= dt; t1 -= dt; drag = e.clientX; draw(); return; }
});
cv.addEventListener("mousemove", e => {
  const tip = document.getElementById("tip"), t = t0 + (e.offsetX - LEFT) / (W - LEFT - 8) * (t1 - t0);
  const c = Math.floor((e.offsetY - TOP) / LANE);
  const s = D.slices.find(s => s[0] === c && s[1] <= t && t <= s[2]);
  if (!s) { tip.style.display = "none"; return; }
  tip.textContent = s[3] + " (pid " + s[4] + ") " + ((s[2] - s[1]) / 1000).toFixed(3) + " ms" + (s[5] ? ", then " + s[5] : "") + (s[6] ? " at " + s[6] : "");
  tip.style.left = (e.clientX + 12) + "px"; tip.style.top = (e.clientY + 12) + "px"; tip.style.display = "block";
});
document.getElementById("zin").onclick = () => zoom(0.5, (W + LEFT) / 2);
document.getElementById("zout").onclick = () => zoom(2, (W + LEFT) / 2);
document.getElementById("reset").onclick = () => { t0 = 0; t1 = D.end > 0 ? D.end : 1; draw(); };
draw();
</script></body></html>
`))
