// The Oz dashboard: workspaces, runs, a run's lanes and events, live from
// the run's event stream. Plain script, no framework, no build step.
//
// Every text that comes from a run (lane reasons, dialogs, output, event
// data, workspace names) is untrusted: it only ever reaches the page
// through textContent or an attribute set with setAttribute, never as
// HTML. The Content-Security-Policy (script-src 'self') forbids inline
// script anyway; this file is the page's only script.
"use strict";

(function () {
  const api = "api/v1/";
  const runStates = ["planned", "ready", "running", "blocked", "needs_founder", "failed", "complete", "aborted", "stale", "damaged"];
  const finalStates = new Set(["failed", "complete", "aborted", "damaged"]);
  const activeLane = new Set(["running", "needs-attention"]);
  const maxEventRows = 2000;

  let csrf = "";
  let view = null; // the current view's state; its stop() ends its timers and stream

  // --- DOM helpers ---------------------------------------------------------

  const $ = (sel) => document.querySelector(sel);

  // el makes an element; text children become text nodes.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      e.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  function show(id) {
    for (const s of ["signin", "overview", "run"]) $("#" + s).hidden = s !== id;
  }

  function notice(msg) {
    const n = $("#notice");
    n.textContent = msg || "";
    n.hidden = !msg;
  }

  function fmtTime(t) {
    if (!t) return "";
    const d = new Date(t);
    if (isNaN(d)) return String(t);
    return d.toLocaleString(undefined, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function badge(state) {
    return el("span", { class: "badge state-" + String(state || "unknown"), text: state || "unknown" });
  }

  // --- API -------------------------------------------------------------------

  class APIError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || "HTTP " + status);
      this.status = status;
    }
  }

  async function call(method, path, body) {
    const init = { method, headers: {}, credentials: "same-origin", cache: "no-store" };
    if (method !== "GET") {
      init.headers["X-CSRF-Token"] = csrf;
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
    }
    const res = await fetch(api + path, init);
    if (res.status === 401 || (res.status === 403 && path === "session")) {
      signedOut();
      throw new APIError(res.status, null);
    }
    const type = res.headers.get("Content-Type") || "";
    const data = res.status === 204 ? null : type.includes("json") ? await res.json() : await res.text();
    if (!res.ok) throw new APIError(res.status, data);
    return data;
  }

  function signedOut() {
    if (view) view.stop();
    view = null;
    csrf = "";
    $("#logout").hidden = true;
    $("#session").textContent = "";
    show("signin");
  }

  // --- routing ---------------------------------------------------------------

  function route() {
    if (view) view.stop();
    view = null;
    notice("");
    if (!csrf) return;
    const m = /^#run\/(r-[A-Za-z0-9-]+)$/.exec(location.hash);
    view = m ? runView(m[1]) : overview();
  }

  // --- overview: workspaces and runs -----------------------------------------

  function overview() {
    show("overview");
    let timer = 0;
    let stopped = false;
    const wsSel = $("#filter-workspace");
    const stSel = $("#filter-state");
    if (stSel.options.length === 1) {
      for (const s of runStates) stSel.append(el("option", { value: s, text: s }));
    }
    const names = {};

    async function load() {
      try {
        const [wss, runs] = await Promise.all([call("GET", "workspaces"), call("GET", "runs")]);
        if (stopped) return;
        renderWorkspaces(wss);
        renderRuns(runs);
        $("#runs-updated").textContent = "updated " + new Date().toLocaleTimeString();
        notice("");
      } catch (e) {
        if (!stopped && e.status !== 401) notice("Could not load runs: " + e.message);
      }
      if (!stopped) timer = setTimeout(load, 5000);
    }

    function renderWorkspaces(wss) {
      const tb = $("#workspaces tbody");
      tb.replaceChildren();
      const keep = wsSel.value;
      while (wsSel.options.length > 1) wsSel.remove(1);
      for (const w of wss) {
        names[w.id] = w.name || w.id;
        tb.append(el("tr", { "data-workspace": w.id },
          el("td", { text: w.name || "" }), el("td", { class: "mono", text: w.id }),
          el("td", { class: "mono", text: w.path || w.root || "" }), el("td", { text: fmtTime(w.lastSeenAt) })));
        wsSel.append(el("option", { value: w.id, text: w.name || w.id }));
      }
      wsSel.value = keep;
      $("#workspaces-empty").hidden = wss.length > 0;
    }

    function renderRuns(runs) {
      const tb = $("#runs tbody");
      tb.replaceChildren();
      const ws = wsSel.value, st = stSel.value;
      let n = 0;
      for (const r of runs) {
        if ((ws && r.workspaceId !== ws) || (st && r.state !== st)) continue;
        n++;
        const lanes = Object.values(r.lanes || {});
        const attention = lanes.filter((l) => l.state === "needs-attention").length;
        const done = lanes.filter((l) => l.state === "done").length;
        const lanesCell = el("td", {}, done + "/" + lanes.length + " done");
        if (attention) lanesCell.append(" ", el("span", { class: "badge state-needs-attention", text: attention === 1 ? "1 lane needs attention" : attention + " lanes need attention" }));
        const stateCell = el("td", {}, badge(r.state));
        if (r.reason) stateCell.append(el("div", { class: "muted small", text: r.reason }));
        tb.append(el("tr", { "data-run": r.runId, class: attention ? "row-attention" : "" },
          el("td", {}, el("a", { href: "#run/" + r.runId, class: "mono", text: r.runId })),
          el("td", { text: names[r.workspaceId] || r.workspaceId }),
          el("td", { text: r.priority || "" }),
          stateCell, lanesCell,
          el("td", { text: fmtTime(r.createdAt) })));
      }
      $("#runs-empty").hidden = n > 0;
    }

    wsSel.onchange = stSel.onchange = () => { clearTimeout(timer); load(); };
    load();
    return { stop() { stopped = true; clearTimeout(timer); } };
  }

  // --- one run ---------------------------------------------------------------

  function runView(runId) {
    show("run");
    let stopped = false;
    let es = null;
    let status = null;
    let lastSeq = 0;
    const attention = {}; // lane -> the data of its last lane.attention event
    const outputs = {}; // lane -> LaneOutput
    const results = {}; // lane -> parsed result.json
    let order = []; // lane names in plan order
    let resultsWanted = true;
    const sendNotes = {}; // lane -> what became of the last message sent

    $("#run-id").textContent = runId;
    $("#run-state").replaceChildren();
    $("#run-reason").textContent = "";
    $("#run-meta").replaceChildren();
    $("#lanes").replaceChildren();
    $("#events tbody").replaceChildren();
    $("#events-count").textContent = "";
    $("#attention").hidden = true;
    $("#stop").hidden = true;
    $("#outcome").hidden = true;
    $("#closeout").textContent = "";
    $("#commits").replaceChildren();
    $("#continuation").replaceChildren();
    setLive("connecting", "connecting…");

    function setLive(cls, text) {
      const l = $("#live");
      l.className = "live live-" + cls;
      l.textContent = text;
    }

    // load reads the run's status and its lanes in plan order, before the
    // stream takes over.
    async function load() {
      try {
        const base = "runs/" + encodeURIComponent(runId);
        const [st, lanes] = await Promise.all([call("GET", base), call("GET", base + "/lanes")]);
        if (stopped) return false;
        order = lanes.map((l) => l.lane);
        if (!status) status = st;
        render(false);
        return true;
      } catch (e) {
        if (!stopped) {
          notice(e.status === 404 ? "There is no run " + runId + " in this Oz home." : "Could not load the run: " + e.message);
          setLive("off", "not following");
        }
        return false;
      }
    }

    async function loadResults() {
      resultsWanted = false;
      try {
        const rs = await call("GET", "runs/" + encodeURIComponent(runId) + "/results");
        if (stopped) return;
        for (const r of rs) if (r.result) results[r.lane] = r.result;
        if (!stopped) render(false);
      } catch (e) { /* results are extra; the lanes show their state anyway */ }
    }

    function connect() {
      // EventSource resumes by itself with Last-Event-ID after a drop; a
      // new one (after the browser gave up) resumes after the last event
      // shown.
      es = new EventSource(api + "runs/" + encodeURIComponent(runId) + "/stream?output=1" + (lastSeq > 0 ? "&after=" + lastSeq : ""));
      es.onopen = () => setLive("on", status && finalStates.has(status.state) ? "live · run finished" : "live");
      const mine = es;
      es.onerror = () => {
        if (stopped || es !== mine) return;
        if (es.readyState === EventSource.CLOSED) {
          es = null;
          setLive("off", "disconnected");
          call("GET", "session").then(() => { setTimeout(() => { if (!stopped && !es && document.visibilityState !== "hidden") connect(); }, 3000); }, () => {});
        } else setLive("wait", "reconnecting…");
      };
      es.addEventListener("event", (m) => {
        let ev;
        try { ev = JSON.parse(m.data); } catch (e) { return; }
        addEvent(ev);
      });
      es.addEventListener("status", (m) => {
        try { status = JSON.parse(m.data); } catch (e) { return; }
        render(true);
      });
      es.addEventListener("output", (m) => {
        let o;
        try { o = JSON.parse(m.data); } catch (e) { return; }
        outputs[o.lane] = o;
        const pre = document.querySelector('.lane[data-lane="' + CSS.escape(o.lane) + '"] .output');
        if (pre) fillOutput(pre, o);
      });
    }

    function addEvent(ev) {
      if (ev.seq <= lastSeq) return;
      lastSeq = ev.seq;
      if (ev.type === "lane.attention" && ev.lane) attention[ev.lane] = ev.data || {};
      if (ev.type === "lane.attention.cleared" && ev.lane) delete attention[ev.lane];
      if (ev.type === "lane.result") resultsWanted = true;
      outcome(ev);
      const data = ev.data === undefined ? "" : JSON.stringify(ev.data);
      const tb = $("#events tbody");
      tb.append(el("tr", { "data-seq": ev.seq, class: "ev-" + String(ev.type).replace(/[^a-z0-9]/gi, "-") },
        el("td", { class: "num", text: String(ev.seq) }),
        el("td", { text: fmtTime(ev.time) }),
        el("td", { class: "mono", text: ev.type }),
        el("td", { text: ev.lane || "" }),
        el("td", { class: "data mono", title: data.length > 400 ? data.slice(0, 4000) : null, text: data.length > 400 ? data.slice(0, 400) + "…" : data })));
      while (tb.rows.length > maxEventRows) tb.deleteRow(0);
      $("#events-count").textContent = "(" + lastSeq + ")";
    }

    // render draws the run from status; fromStream says the status came
    // from the stream, after every event before it.
    // outcome adds what an event says about the run's result: commits
    // made or refused (with their receipts), the closeout, a
    // continuation.
    function outcome(ev) {
      const d = ev.data || {};
      if (ev.type === "commit.made" || ev.type === "commit.refused") {
        const li = el("li", { class: ev.type === "commit.made" ? "commit-made" : "commit-refused" });
        if (ev.type === "commit.made") li.append(el("span", { class: "mono sha", text: String(d.sha || "").slice(0, 12) }), " ");
        else li.append(el("span", { class: "badge state-failed", text: "refused" }), " ");
        li.append(el("strong", { text: String(d.lane || ev.lane || "") }), ": ",
          el("span", { class: "mono", text: (Array.isArray(d.files) ? d.files : []).join(", ") }));
        if (d.reason) li.append(" — ", el("span", { class: "reason", text: String(d.reason) }));
        if (d.receiptId && /^[A-Za-z0-9._-]+$/.test(String(d.receiptId))) {
          li.append(" ", el("a", { href: api + "runs/" + encodeURIComponent(runId) + "/receipts/" + encodeURIComponent(d.receiptId + ".json"), text: "receipt" }));
        }
        $("#commits").append(li);
      } else if (ev.type === "run.closeout") {
        const parts = ["closed " + (d.state || "?")];
        if (Array.isArray(d.reasons) && d.reasons.length) parts.push(d.reasons.join("; "));
        if (Array.isArray(d.uncommitted) && d.uncommitted.length) parts.push("left uncommitted: " + d.uncommitted.join(", "));
        $("#closeout").textContent = parts.join(" — ");
      } else if (ev.type === "run.continuation") {
        const c = $("#continuation");
        c.replaceChildren("Next run: ");
        if (d.taken && /^r-[A-Za-z0-9-]+$/.test(String(d.nextRunId || ""))) c.append(el("a", { href: "#run/" + d.nextRunId, class: "mono", text: d.nextRunId }));
        else c.append(el("span", { text: "not started" + (d.reason ? " (" + d.reason + ")" : "") }));
      } else {
        return;
      }
      $("#outcome").hidden = false;
    }

    function render(fromStream) {
      if (!status) return;
      const st = $("#run-state");
      st.replaceChildren(badge(status.state));
      $("#run-reason").textContent = status.reason || "";
      const meta = $("#run-meta");
      meta.replaceChildren();
      for (const [k, v] of [["Workspace", status.workspaceId], ["Priority", status.priority], ["Route", status.route], ["Profile", status.profile],
        ["Created", fmtTime(status.createdAt)], ["Updated", fmtTime(status.updatedAt)]]) {
        if (v) meta.append(el("dt", { text: k }), el("dd", { text: v }));
      }
      $("#stop").hidden = !status.state || finalStates.has(status.state);
      // A finished run may still record events (its lanes' exits, a
      // continuation): the stream stays open while the page shows it.
      if (fromStream && es && es.readyState === EventSource.OPEN) {
        setLive("on", finalStates.has(status.state) ? "live · run finished" : "live");
      }
      renderAttention();
      renderLanes();
      if (resultsWanted) loadResults();
    }

    function names() {
      const all = Object.keys(status.lanes || {});
      return order.filter((n) => all.includes(n)).concat(all.filter((n) => !order.includes(n)).sort());
    }

    function renderAttention() {
      const list = $("#attention-list");
      list.replaceChildren();
      let n = 0;
      for (const lane of names()) {
        const ls = status.lanes[lane];
        if (ls.state !== "needs-attention") continue;
        n++;
        const a = attention[lane] || {};
        const item = el("div", { class: "attention-item", "data-lane": lane },
          el("p", {}, el("strong", { text: lane }), " is waiting at ",
            a.dialog ? el("span", { class: "dialog", text: a.dialog }) : "a dialog", a.during ? " (during " + a.during + ")" : "", "."));
        if (a.fix) item.append(el("p", { class: "fix" }, el("strong", { text: "Fix: " }), el("span", { class: "fix-text", text: a.fix })));
        if (ls.reason) item.append(el("p", { class: "reason", text: ls.reason }));
        if (a.screen) item.append(el("pre", { class: "screen", text: a.screen }));
        item.append(el("p", { class: "muted small", text: "Answer it in the lane's terminal (cocoder run attach), or send the lane a message below." }));
        list.append(item);
      }
      $("#attention").hidden = n === 0;
    }

    function renderLanes() {
      const box = $("#lanes");
      const open = {};
      for (const d of box.querySelectorAll("details[data-lane]")) open[d.getAttribute("data-lane")] = d.open;
      const drafts = {};
      for (const t of box.querySelectorAll("textarea[data-lane]")) drafts[t.getAttribute("data-lane")] = t.value;
      // Someone typing a message keeps the caret through a redraw.
      const active = document.activeElement;
      const typing = active && active.tagName === "TEXTAREA" && box.contains(active)
        ? { lane: active.getAttribute("data-lane"), start: active.selectionStart, end: active.selectionEnd } : null;
      box.replaceChildren();
      for (const lane of names()) {
        const ls = status.lanes[lane];
        const card = el("div", { class: "lane lane-" + ls.state, "data-lane": lane });
        const head = el("div", { class: "lane-head" },
          el("strong", { class: "lane-name", text: lane }), " ", el("span", { class: "lane-state" }, badge(ls.state)),
          el("span", { class: "lane-source muted", text: "source: " + (ls.source || "?") }),
          el("span", { class: "spacer" }),
          el("span", { class: "muted small", text: [ls.persona, ls.adapter, ls.model].filter(Boolean).join(" · ") }));
        card.append(head);
        if (ls.reason) card.append(el("p", { class: "lane-reason reason", text: ls.reason }));
        const facts = el("dl", { class: "meta" });
        const add = (k, v) => { if (v !== undefined && v !== null && v !== "") facts.append(el("dt", { text: k }), el("dd", { text: String(v) })); };
        add("Observed", fmtTime(ls.observedAt));
        add("Prompt", ls.delivery);
        add("Exit code", ls.exitCode);
        add("Result", ls.result);
        card.append(facts);
        const res = results[lane];
        if (res && typeof res === "object") {
          const r = el("div", { class: "result" }, el("span", { class: "badge result-" + String(res.status || ""), text: res.status || "?" }), " ",
            el("span", { class: "result-summary", text: res.summary || "" }));
          if (Array.isArray(res.findings) && res.findings.length) {
            const ul = el("ul", { class: "findings" });
            for (const f of res.findings) ul.append(el("li", { text: String(f) }));
            r.append(ul);
          }
          if (Array.isArray(res.filesChanged) && res.filesChanged.length) r.append(el("p", { class: "muted small mono", text: "changed: " + res.filesChanged.join(", ") }));
          card.append(r);
        }
        const det = el("details", { "data-lane": lane }, el("summary", { text: "Output" }));
        const pre = el("pre", { class: "output" });
        fillOutput(pre, outputs[lane]);
        det.append(pre);
        det.open = open[lane] !== undefined ? open[lane] : ls.state === "needs-attention";
        card.append(det);
        if (activeLane.has(ls.state)) card.append(sendForm(lane, drafts[lane] || ""));
        box.append(card);
      }
      if (typing) {
        const t = box.querySelector('textarea[data-lane="' + CSS.escape(typing.lane) + '"]');
        if (t) {
          t.focus();
          t.setSelectionRange(typing.start, typing.end);
        }
      }
    }

    function fillOutput(pre, o) {
      pre.textContent = o ? o.text : "(no output yet)";
    }

    function sendForm(lane, draft) {
      const ta = el("textarea", { "data-lane": lane, rows: 2, maxlength: 65536, placeholder: "Message to " + lane });
      ta.value = draft;
      const btn = el("button", { type: "submit", text: "Send" });
      const out = el("span", { class: "muted small send-result", text: sendNotes[lane] || "" });
      const f = el("form", { class: "send" }, ta, btn, out);
      // The lanes are redrawn on every status frame (a send records one):
      // the outcome goes to whichever form shows the lane by then.
      const note = (msg) => {
        sendNotes[lane] = msg;
        const cur = document.querySelector('.lane[data-lane="' + CSS.escape(lane) + '"] .send-result');
        if (cur) cur.textContent = msg;
      };
      f.onsubmit = async (ev) => {
        ev.preventDefault();
        const text = ta.value;
        if (!text) return;
        btn.disabled = true;
        note("sending…");
        try {
          await call("POST", "runs/" + encodeURIComponent(runId) + "/lanes/" + encodeURIComponent(lane) + "/send", { text });
          const cur = document.querySelector('textarea[data-lane="' + CSS.escape(lane) + '"]');
          if (cur && cur.value === text) cur.value = "";
          note("sent");
        } catch (e) {
          note("not sent: " + e.message);
        } finally {
          btn.disabled = false;
        }
      };
      return f;
    }

    $("#stop").onclick = async () => {
      if (!window.confirm("Stop run " + runId + "? Its lanes are killed and the run is aborted.")) return;
      $("#stop").disabled = true;
      try {
        // The stream brings the stop's events and the final status.
        await call("POST", "runs/" + encodeURIComponent(runId) + "/stop");
      } catch (e) {
        notice("Could not stop the run: " + e.message);
      } finally {
        $("#stop").disabled = false;
      }
    };

    // A browser keeps at most six connections to one origin: a hidden tab
    // gives its stream up and, shown again, resumes after the last event
    // it has.
    function visibility() {
      if (stopped || !status) return;
      if (document.visibilityState === "hidden") {
        if (es) es.close();
        es = null;
        setLive("off", "paused while the tab is hidden");
      } else if (!es) {
        connect();
      }
    }
    document.addEventListener("visibilitychange", visibility);

    load().then((ok) => { if (ok && !stopped && document.visibilityState !== "hidden") connect(); });
    return {
      stop() {
        stopped = true;
        document.removeEventListener("visibilitychange", visibility);
        if (es) es.close();
      },
    };
  }

  // --- start -----------------------------------------------------------------

  async function start() {
    $("#logout").onclick = async () => {
      try { await call("DELETE", "session"); } catch (e) { /* signed out either way */ }
      signedOut();
    };
    try {
      const s = await call("GET", "session");
      csrf = s.csrfToken;
      $("#session").textContent = "session until " + fmtTime(s.expiresAt);
      $("#logout").hidden = false;
    } catch (e) {
      if (e.status !== 401 && e.status !== 403) notice("Oz did not answer: " + e.message);
      signedOut();
      return;
    }
    window.addEventListener("hashchange", route);
    route();
    applyTheme();
  }

  // applyTheme follows the home's theme setting (theme.mode: system, light
  // or dark; theme.accent: a CSS colour). The accent goes through the
  // CSSOM, which the Content-Security-Policy allows, and only when the
  // browser reads it as a colour.
  async function applyTheme() {
    let theme;
    try {
      theme = ((await call("GET", "settings")).config || {}).theme || {};
    } catch (e) {
      return; // the default theme
    }
    const root = document.documentElement;
    if (theme.mode === "light" || theme.mode === "dark") root.setAttribute("data-theme", theme.mode);
    else root.removeAttribute("data-theme");
    if (typeof theme.accent === "string" && theme.accent && CSS.supports("color", theme.accent)) {
      root.style.setProperty("--accent", theme.accent);
    }
  }

  start();
})();
