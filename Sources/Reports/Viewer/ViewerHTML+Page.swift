// The viewer page's markup, style and script (our own; the page loads nothing from outside),
// into which `ViewerHTML.page` puts the runs' data.
extension ViewerHTML {
    static let shell = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>@TITLE@</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #1a1a1a; }
        header { padding: 8px 12px; background: #1f3a5f; color: #fff; }
        header h1 { font-size: 1.1em; margin: 0; }
        .runs { display: grid; grid-template-columns: repeat(@COLUMNS@, minmax(0, 1fr)); gap: 8px; }
        @media (max-width: 1100px) { .runs { grid-template-columns: 1fr; } }
        .run > h2.label { margin: 8px 8px 0; font-size: 1em; }
        .run > h2.label:empty { display: none; }
        main { display: grid; grid-template-columns: minmax(0, 1.2fr) minmax(0, 1fr); gap: 8px; padding: 8px; }
        .runs.many main { grid-template-columns: 1fr; }
        @media (max-width: 760px) { main { grid-template-columns: 1fr; } }
        section { border: 1px solid #ccc; border-radius: 4px; padding: 6px; min-width: 0; }
        h2 { font-size: 0.95em; margin: 2px 0 6px; color: #1f3a5f; }
        .topology svg { width: 100%; height: auto; }
        .controls, .lockstep { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; margin: 6px 0; }
        .lockstep { padding: 6px 12px; background: #eef2f7; margin: 0; }
        .controls button, .lockstep button { min-width: 2.6em; padding: 4px 6px; }
        .controls input, .lockstep input { width: 6em; }
        .filters { display: flex; flex-wrap: wrap; gap: 4px; margin-bottom: 4px; }
        .filters select, .filters input { max-width: 11em; }
        .list { height: 360px; overflow-y: auto; position: relative; font-family: Menlo, Consolas, monospace; font-size: 12px; }
        .rows { position: relative; }
        .row { position: absolute; left: 0; right: 0; height: 20px; line-height: 20px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; cursor: pointer; padding: 0 4px; }
        .row.current { background: #fff2b3; }
        .row .t { color: #666; display: inline-block; width: 7.5em; }
        .row .h { color: #1f3a5f; display: inline-block; width: 7em; overflow: hidden; vertical-align: top; }
        pre { font-family: Menlo, Consolas, monospace; font-size: 12px; white-space: pre-wrap; word-break: break-all; margin: 0; max-height: 240px; overflow-y: auto; }
        .host > circle:not(.ring), .host > polygon { fill: #eef2f7; stroke: #1f3a5f; stroke-width: 1.5; }
        .host.active > circle:not(.ring), .host.active > polygon { fill: #ffd54f; }
        .host.down > circle:not(.ring), .host.down > polygon { fill: #d9d9d9; stroke: #888; stroke-dasharray: 3 2; }
        .host.down text { fill: #888; text-decoration: line-through; }
        .link.down { stroke: #e0e0e0; stroke-dasharray: 4 3; }
        .host text { font-size: 11px; text-anchor: middle; }
        .link { stroke: #bbb; stroke-width: 1.5; }
        .link.active { stroke: #c0392b; stroke-width: 3; }
        .packet { fill: #c0392b; transition: cx 0.2s, cy 0.2s; }
        .legend { font-size: 11px; }
        .host .ring { fill: none; stroke-width: 3; }
        .status { font-size: 0.9em; }
        </style>
        </head>
        <body>
        <header><h1>@TITLE@</h1></header>
        @LOCKSTEP@
        <div class="runs">
        @PANES@
        </div>
        @DATA@
        <script>
        "use strict";
        const svgNS = "http://www.w3.org/2000/svg";
        function Viewer(data, suffix) {
          const $ = id => document.getElementById(id + suffix);
          const events = data.events.map((e, i) => {
            const m = /^(conn\d+)\b/.exec(e[3]);
            return { i, time: e[0], host: e[1], kind: e[2], detail: e[3], conn: m ? m[1] : "" };
          });
          // Who is at each end of each connection, from its [connect] line ("conn3 to D [...]").
          const ends = {};
          for (const e of events) {
            const m = /^(conn\d+) to (\S+)/.exec(e.detail);
            if (e.kind === "connect" && m) ends[m[1]] = { client: e.host, server: m[2] };
          }
          const place = {};
          for (const h of data.hosts) place[h.name] = h;
          data.links.forEach(([a, b], index) => {
            if (!place[a] || !place[b]) return;
            const l = document.createElementNS(svgNS, "line");
            l.setAttribute("class", "link"); l.dataset.a = a; l.dataset.b = b; l.dataset.index = index;
            l.setAttribute("x1", place[a].x); l.setAttribute("y1", place[a].y); l.setAttribute("x2", place[b].x); l.setAttribute("y2", place[b].y);
            $("links").appendChild(l);
          });
          // Crashes, restarts and links going down or up, in order: the picture shows what is down.
          const faults = events.filter(e => e.kind === "fault" && /^(crash|restart|link \d+ (down|up))$/.test(e.detail));
          // Each network its colour: a host wears a ring per network it is on, so a gateway (on
          // two or more) wears two; a router (packets only, no mail server) is a diamond.
          const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
          const networks = [...new Set(data.hosts.flatMap(h => h.networks))].sort();
          const colour = n => palette[networks.indexOf(n) % palette.length];
          for (const h of data.hosts) {
            const g = document.createElementNS(svgNS, "g");
            g.setAttribute("class", "host" + (h.router ? " router" : "") + (h.networks.length > 1 ? " gateway" : "")); g.dataset.name = h.name;
            h.networks.forEach((n, k) => {
              const ring = document.createElementNS(svgNS, "circle");
              ring.setAttribute("class", "ring"); ring.setAttribute("cx", h.x); ring.setAttribute("cy", h.y); ring.setAttribute("r", 19 + 4 * k);
              ring.setAttribute("stroke", colour(n)); g.appendChild(ring);
            });
            let c;
            if (h.router) {
              c = document.createElementNS(svgNS, "polygon");
              c.setAttribute("points", [[0, -16], [16, 0], [0, 16], [-16, 0]].map(([dx, dy]) => (h.x + dx) + "," + (h.y + dy)).join(" "));
            } else {
              c = document.createElementNS(svgNS, "circle");
              c.setAttribute("cx", h.x); c.setAttribute("cy", h.y); c.setAttribute("r", 16);
            }
            const t = document.createElementNS(svgNS, "text");
            t.setAttribute("x", h.x); t.setAttribute("y", h.y + 34 + 4 * (h.networks.length - 1)); t.textContent = h.name;
            const tip = document.createElementNS(svgNS, "title");
            tip.textContent = h.name + (h.router ? " (router)" : "") + " on " + h.networks.join(", ");
            g.append(c, t, tip); $("hosts").appendChild(g);
          }
          // The legend goes below the hosts, in rows of four networks.
          $("hosts").ownerSVGElement.setAttribute("viewBox", "0 0 600 " + (404 + 16 * Math.ceil(networks.length / 4)));
          networks.forEach((n, k) => {
            const t = document.createElementNS(svgNS, "text");
            t.setAttribute("class", "legend"); t.setAttribute("x", 8 + 148 * (k % 4)); t.setAttribute("y", 412 + 16 * Math.floor(k / 4));
            t.setAttribute("fill", colour(n)); t.textContent = "● " + n;
            $("hosts").appendChild(t);
          });
          function options(select, values) { for (const v of values) { const o = document.createElement("option"); o.value = v; o.textContent = v; select.appendChild(o); } }
          options($("fHost"), [...new Set(events.map(e => e.host))].sort());
          options($("fKind"), [...new Set(events.map(e => e.kind))].sort());
          options($("fConn"), Object.keys(ends).sort((a, b) => +a.slice(4) - +b.slice(4)));

          const view = { events, current: events.length ? 0 : -1 };
          let filtered = events;
          const rowHeight = 20;
          function speaker(e) { return e.kind === "C" ? data.client : e.kind === "S" ? data.server : "[" + e.kind + "]"; }
          function line(e) { return (e.kind === "C" || e.kind === "S") ? speaker(e) + " " + e.detail.replace(/^conn\d+ /, "") : speaker(e) + " " + e.detail; }
          function applyFilters() {
            const host = $("fHost").value, kind = $("fKind").value, conn = $("fConn").value, text = $("fMessage").value.trim();
            filtered = events.filter(e => (!host || e.host === host) && (!kind || e.kind === kind) && (!conn || e.conn === conn) && (!text || e.detail.includes(text)));
            $("rows").style.height = (filtered.length * rowHeight) + "px";
            $("shown").textContent = filtered.length + " of " + events.length;
            drawRows();
          }
          // Only the rows in view (and a few around) exist in the page.
          function drawRows() {
            const list = $("list"), rows = $("rows");
            const first = Math.max(0, Math.floor(list.scrollTop / rowHeight) - 10);
            const last = Math.min(filtered.length, first + Math.ceil(list.clientHeight / rowHeight) + 20);
            rows.textContent = "";
            for (let k = first; k < last; k++) {
              const e = filtered[k];
              const div = document.createElement("div");
              div.className = "row" + (e.i === view.current ? " current" : "");
              div.style.top = (k * rowHeight) + "px";
              div.dataset.event = e.i + 1;
              const t = document.createElement("span"); t.className = "t"; t.textContent = e.time.toFixed(6) + "s";
              const h = document.createElement("span"); h.className = "h"; h.textContent = e.host;
              div.append(t, h, document.createTextNode(line(e)));
              div.addEventListener("click", () => show(e.i, true));
              rows.appendChild(div);
            }
          }
          $("list").addEventListener("scroll", drawRows);
          for (const id of ["fHost", "fKind", "fConn"]) $(id).addEventListener("change", applyFilters);
          $("fMessage").addEventListener("input", applyFilters);

          function show(index, fromList) {
            if (!events.length) return;
            view.current = Math.max(0, Math.min(events.length - 1, index));
            const current = view.current;
            const e = events[current];
            $("position").textContent = "event " + (current + 1) + " of " + events.length;
            $("clock").textContent = "at " + e.time.toFixed(6) + " s";
            $("now").textContent = e.host + " " + line(e);
            $("hosts").querySelectorAll(".host").forEach(g => g.classList.toggle("active", g.dataset.name === e.host));
            const downHosts = new Set(), downLinks = new Set();
            for (const f of faults) {
              if (f.i > current) break;
              const link = /^link (\d+) (down|up)$/.exec(f.detail);
              if (link) { if (link[2] === "down") downLinks.add(link[1]); else downLinks.delete(link[1]); }
              else if (f.detail === "crash") downHosts.add(f.host); else downHosts.delete(f.host);
            }
            $("hosts").querySelectorAll(".host").forEach(g => g.classList.toggle("down", downHosts.has(g.dataset.name)));
            $("links").querySelectorAll(".link").forEach(l => l.classList.toggle("down", downLinks.has(l.dataset.index)));
            // A command or a reply lights its connection's link, between its writer and the other end.
            const end = ends[e.conn];
            $("links").querySelectorAll(".link").forEach(l => l.classList.remove("active"));
            const packet = $("packet");
            if (end && (e.kind === "C" || e.kind === "S")) {
              const from = place[e.kind === "C" ? end.client : end.server], to = place[e.kind === "C" ? end.server : end.client];
              if (from && to) {
                packet.setAttribute("cx", (from.x + to.x) / 2); packet.setAttribute("cy", (from.y + to.y) / 2);
                $("links").querySelectorAll(".link").forEach(l => {
                  if ((l.dataset.a === from.name && l.dataset.b === to.name) || (l.dataset.a === to.name && l.dataset.b === from.name)) l.classList.add("active");
                });
              }
            } else { packet.setAttribute("cx", -20); packet.setAttribute("cy", -20); }
            // The session's transcript up to now, and the text's header as it stands: the event's own
            // connection, or for an event at a host (a delivery, a hand-off) the last one there.
            let conn = e.conn;
            for (let k = current; !conn && k >= 0; k--) if (events[k].host === e.host && events[k].conn) conn = events[k].conn;
            if (conn) {
              const at = ends[conn];
              $("sessionName").textContent = conn + (at ? " (" + at.client + " → " + at.server + ")" : "");
              $("transcript").textContent = events.filter(x => x.conn === conn && (x.kind === "C" || x.kind === "S") && x.i <= current).map(line).join("\n");
              $("text").textContent = events.filter(x => x.conn === conn && x.kind === "text" && x.i <= current).map(x => x.detail.replace(/^conn\d+ \| /, "")).join("\n");
            }
            if (!fromList) {
              const k = filtered.findIndex(x => x.i === current);
              if (k >= 0) { const list = $("list"); if (k * rowHeight < list.scrollTop || k * rowHeight > list.scrollTop + list.clientHeight - rowHeight) list.scrollTop = Math.max(0, k * rowHeight - 100); }
            }
            drawRows();
          }
          let timer = null;
          function play() {
            if (timer) { clearInterval(timer); timer = null; $("play").textContent = "▶"; return; }
            $("play").textContent = "❚❚";
            timer = setInterval(() => { if (view.current >= events.length - 1) { play(); return; } show(view.current + 1); }, 250);
          }
          $("play").addEventListener("click", play);
          $("next").addEventListener("click", () => show(view.current + 1));
          $("back").addEventListener("click", () => show(view.current - 1));
          $("seekEvent").addEventListener("change", () => show(+$("seekEvent").value - 1));
          function seekTime(t) { const k = events.findIndex(e => e.time >= t); show(k < 0 ? events.length - 1 : k); }
          $("seekTime").addEventListener("change", () => seekTime(+$("seekTime").value));
          // The last event at or before `t` (the first one if none is).
          view.showAt = t => { let k = -1; for (const e of events) { if (e.time <= t) k = e.i; else break; } show(Math.max(0, k)); };
          view.nextTime = () => view.current + 1 < events.length ? events[view.current + 1].time : Infinity;
          view.prevTime = () => view.current > 0 ? events[view.current - 1].time : -Infinity;
          view.time = () => view.current >= 0 ? events[view.current].time : 0;
          view.step = () => show(view.current + 1);
          view.show = show;
          view.seekTime = seekTime;
          view.filtered = () => filtered;
          view.applyFilters = applyFilters;
          view.$ = $;
          return view;
        }
        const viewers = [...document.querySelectorAll("script.run-data")].map(s => Viewer(JSON.parse(s.textContent), s.dataset.suffix));
        const primary = viewers[0];
        // Lockstep: the next moment either run has an event; each shows its last event then.
        function both(direction) {
          const t = direction > 0 ? Math.min(...viewers.map(v => v.nextTime())) : Math.max(...viewers.map(v => v.prevTime()));
          if (!isFinite(t)) return;
          viewers.forEach(v => v.showAt(t));
          const clock = document.getElementById("lockClock");
          if (clock) clock.textContent = "both at " + t.toFixed(6) + " s";
        }
        if (viewers.length > 1) {
          document.querySelector(".runs").classList.add("many");
          document.getElementById("bothNext").addEventListener("click", () => both(1));
          document.getElementById("bothBack").addEventListener("click", () => both(-1));
          document.getElementById("bothTime").addEventListener("change", () => { const t = +document.getElementById("bothTime").value; viewers.forEach(v => v.showAt(t)); });
          let lockTimer = null;
          document.getElementById("bothPlay").addEventListener("click", () => {
            if (lockTimer) { clearInterval(lockTimer); lockTimer = null; return; }
            lockTimer = setInterval(() => { if (viewers.every(v => !isFinite(v.nextTime()))) { clearInterval(lockTimer); lockTimer = null; } else both(1); }, 250);
          });
        }
        document.addEventListener("keydown", ev => {
          if (ev.target.tagName === "INPUT") return;
          if (ev.key === "ArrowRight") viewers.length > 1 ? both(1) : primary.step();
          else if (ev.key === "ArrowLeft") viewers.length > 1 ? both(-1) : primary.show(primary.current - 1);
        });
        // The fragment: #event=N, #time=S, #host=H, #kind=K, #conn=connN, #message=TEXT, #steps=N
        // (press "step" N times once there; with two runs, the lockstep step), joined with &.
        const fragment = new URLSearchParams(location.hash.slice(1));
        for (const v of viewers) {
          if (fragment.get("host")) v.$("fHost").value = fragment.get("host");
          if (fragment.get("kind")) v.$("fKind").value = fragment.get("kind");
          if (fragment.get("conn")) v.$("fConn").value = fragment.get("conn");
          if (fragment.get("message")) v.$("fMessage").value = fragment.get("message");
          v.applyFilters();
          if (fragment.get("time")) v.showAt(+fragment.get("time"));
          else if (fragment.get("event")) v.show(+fragment.get("event") - 1);
          else v.show(v.filtered().length ? v.filtered()[0].i : 0);  // the first event the filters let through
        }
        for (let k = 0; k < +(fragment.get("steps") || 0); k++) viewers.length > 1 ? both(1) : primary.step();
        </script>
        </body>
        </html>
        """#

    /// One run's panes; `@S@` makes its element ids unique on a page of two.
    static let pane = #"""
        <div class="run">
        <h2 class="label">@LABEL@</h2>
        <main>
        <div>
        <section class="topology"><h2>Topology</h2><svg viewBox="0 0 600 400" role="img" aria-label="topology"><g id="links@S@"></g><g id="hosts@S@"></g><circle id="packet@S@" class="packet" r="6" cx="-20" cy="-20"/></svg></section>
        <section>
        <div class="controls">
        <button id="back@S@" title="step back">◀</button><button id="play@S@" title="play or pause">▶</button><button id="next@S@" title="step">▶|</button>
        <label>event <input id="seekEvent@S@" type="number" min="1"/></label>
        <label>time (s) <input id="seekTime@S@" type="number" min="0" step="any"/></label>
        </div>
        <div class="status"><output id="position@S@"></output> <output id="clock@S@"></output></div>
        <div id="now@S@"></div>
        </section>
        <section><h2>Session transcript <span id="sessionName@S@"></span></h2><pre id="transcript@S@"></pre></section>
        <section><h2>Message text (header)</h2><pre id="text@S@"></pre></section>
        </div>
        <section>
        <h2>Events <output id="shown@S@"></output></h2>
        <div class="filters">
        <select id="fHost@S@" aria-label="host"><option value="">every host</option></select>
        <select id="fKind@S@" aria-label="kind"><option value="">every kind</option></select>
        <select id="fConn@S@" aria-label="connection"><option value="">every connection</option></select>
        <input id="fMessage@S@" placeholder="message id or text" aria-label="message"/>
        </div>
        <div id="list@S@" class="list"><div id="rows@S@" class="rows"></div></div>
        </section>
        </main>
        </div>
        """#

    /// The bar that steps two runs together.
    static let lockstepBar = #"""
        <div class="lockstep"><strong>Both runs:</strong>
        <button id="bothBack" title="both back to the previous moment">◀</button><button id="bothPlay" title="play both">▶</button><button id="bothNext" title="both to the next moment">▶|</button>
        <label>time (s) <input id="bothTime" type="number" min="0" step="any"/></label>
        <output id="lockClock"></output>
        </div>
        """#
}
