// The dashboard page's script (cmd/dashboard_page.h). Every text goes into the page through
// text nodes (el() below), never as HTML.
#include "cmd/dashboard_page.h"

namespace orch::cmd {

const std::string& dashboard_js() {
  static const std::string js = R"orchjs('use strict';
(function () {
  const token = new URLSearchParams(location.search).get('token') || '';
  const main = document.getElementById('main');
  const statusLine = document.getElementById('status');
  const LIVE = ['queued', 'starting', 'running', 'waiting', 'checking'];
  let info = { read_only: true };
  let view = null;

  // An element with attributes (on* = listeners) and children (strings become text nodes).
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, String(v));
    }
    for (const k of kids) {
      if (k === null || k === undefined || k === '') continue;
      e.append(k instanceof Node ? k : String(k));
    }
    return e;
  }
  const enc = encodeURIComponent;
  function time(iso) { return iso ? String(iso).replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : ''; }
  function money(v) { return typeof v === 'number' ? '$' + v.toFixed(2) : ''; }
  function setStatus(text, error) {
    statusLine.textContent = text;
    statusLine.className = error ? 'error' : '';
  }
  async function apiReply(path, opts) {
    const o = Object.assign({ headers: { 'X-Orch-Token': token } }, opts || {});
    if (o.body) o.headers['Content-Type'] = 'application/json';
    const r = await fetch(path, o);
    const body = await r.json().catch(() => ({ error: 'HTTP ' + r.status }));
    if (!r.ok) throw new Error(body.error || 'HTTP ' + r.status);
    return { body, headers: r.headers };
  }
  async function api(path, opts) { return (await apiReply(path, opts)).body; }

  async function act(id, what, body) {
    setStatus(what + ' ' + id + '...');
    try {
      const r = await api('/api/sessions/' + enc(id) + '/' + what,
                          { method: 'POST', body: JSON.stringify(body) });
      if (what === 'handoff') setStatus('session ' + id + ' handed off to session ' + r.session);
      else if (what === 'nudge') setStatus('session ' + id + ': message delivered');
      else setStatus('session ' + id + ' ' + r.state);
    } catch (e) {
      setStatus(what + ' ' + id + ': ' + e.message, true);
    }
  }
  function actions(s) {
    if (info.read_only) return '';
    const box = el('span', { class: 'actions' });
    if (LIVE.includes(s.state)) {
      box.append(el('button', { class: 'stop', onclick: () => {
        if (confirm('Stop session ' + s.session + '?')) act(s.session, 'stop', {});
      } }, 'Stop'));
      box.append(el('button', { class: 'nudge', onclick: () => {
        const m = prompt('Message for session ' + s.session);
        if (m) act(s.session, 'nudge', { message: m });
      } }, 'Nudge'));
    }
    box.append(el('button', { class: 'handoff', onclick: () => {
      const m = prompt('Brief for the new session of ' + s.unit + ' (may be empty)', '');
      if (m !== null) act(s.session, 'handoff', { message: m });
    } }, 'Hand off'));
    return box;
  }
  function checks(c) {
    if (!c || !c.runs) return '';
    return c.passed + '/' + c.runs + ' passed' + (c.failed ? ', ' + c.failed + ' failed' : '');
  }
  function stateCell(state, id) {
    const a = { class: 'state state-' + state };
    if (id) a.id = id;
    return el('span', a, state);
  }

  function sessionsView() {
    const PAGE = 100;  // the API's default page (kDashboardPage); more on "Show more"
    const tbody = el('tbody');
    const count = el('span', { id: 'count' });
    const rows = new Map();
    let want = PAGE;
    const more = el('button', { id: 'more-sessions', hidden: '', onclick: () => {
      want += PAGE;
      refreshNow();
    } }, 'Show more');
    const heads = ['Session', 'Unit', 'Agent', 'Backend', 'State', 'Branch', 'Started', 'Cost',
                   'Checks', ''];
    main.replaceChildren(el('h2', {}, 'Sessions ', count),
      el('table', { id: 'sessions' }, el('thead', {}, el('tr', {}, ...heads.map(h => el('th', {}, h)))),
         tbody), more);
    // The first `want` sessions, a page (at most 500) at a time, following the Link header.
    async function fetchList() {
      const list = [];
      let after = '';
      while (list.length < want) {
        const r = await apiReply('/api/sessions?all=1&limit=' + Math.min(want - list.length, 500) +
                                 (after ? '&after=' + enc(after) : ''));
        list.push(...r.body);
        const m = (r.headers.get('Link') || '').match(/[?&]after=([^&>]+)>/);
        after = m ? decodeURIComponent(m[1]) : '';
        if (!after) break;
      }
      return { list, end: !after };
    }
    function row(s) {
      return el('tr', { 'data-session': s.session, 'data-state': s.state },
        el('td', {}, el('a', { href: '#/session/' + enc(s.session) }, s.session)),
        el('td', {}, s.unit), el('td', {}, s.agent), el('td', {}, s.backend),
        el('td', { class: 'state-cell' }, stateCell(s.state)), el('td', {}, s.branch),
        el('td', {}, time(s.started_at)), el('td', { class: 'num' }, money(s.cost_usd)),
        el('td', {}, checks(s.checks)), el('td', {}, actions(s)));
    }
    async function refresh() {
      const { list, end } = await fetchList();
      count.textContent = '(' + (end ? '' : 'newest ') + list.length + ')';
      if (end) more.setAttribute('hidden', ''); else more.removeAttribute('hidden');
      const seen = new Set();
      let prev = null;
      for (const s of list) {
        seen.add(s.session);
        const key = s.state + '|' + s.cost_usd + '|' + s.checks.runs + '|' + s.checks.passed;
        let r = rows.get(s.session);
        if (!r || r.key !== key) {
          const tr = row(s);
          if (r) r.tr.replaceWith(tr);
          r = { tr, key };
          rows.set(s.session, r);
        }
        const want = prev ? prev.nextSibling : tbody.firstChild;
        if (want !== r.tr) tbody.insertBefore(r.tr, want);
        prev = r.tr;
      }
      for (const [id, r] of rows) {
        if (!seen.has(id)) { r.tr.remove(); rows.delete(id); }
      }
    }
    return { refresh };
  }

  function logText(e) {
    const d = e.data || {};
    if (e.kind === 'state') return d.state + (d.detail ? ': ' + d.detail : '');
    if (typeof d.text === 'string') return d.text;
    if (typeof d.message === 'string') return d.message;
    const s = JSON.stringify(d);
    return s.length > 400 ? s.slice(0, 400) + '...' : s;
  }
  function links(ids) {
    const box = el('span');
    for (const id of ids || []) box.append(el('a', { href: '#/session/' + enc(id) }, id), ' ');
    return box;
  }
  function diffView(box, d) {
    if (d.note) { box.replaceChildren(el('p', { class: 'note' }, d.note)); return; }
    const list = el('ul', { id: 'diff-files' });
    const files = [];
    for (const f of d.files) {
      list.append(el('li', {}, f.status + ' ', f.path,
                     f.old_path !== f.path ? ' (from ' + f.old_path + ')' : '',
                     ' +' + f.additions + ' -' + f.deletions));
      const fb = el('div', { class: 'diff-file', 'data-path': f.path }, el('h4', {}, f.path));
      if (f.binary) fb.append(el('p', {}, 'binary file'));
      if (f.too_large) fb.append(el('p', { class: 'too-large' }, 'file too large to show (over 1 MiB)'));
      for (const h of f.hunks) {
        const hb = el('div', { class: 'diff-hunk' }, el('div', { class: 'hh' }, h.header));
        for (const l of h.lines) {
          const cls = l.origin === '+' ? 'add' : l.origin === '-' ? 'del' : 'ctx';
          hb.append(el('div', { class: cls }, l.origin + l.text));
        }
        fb.append(hb);
      }
      files.push(fb);
    }
    box.replaceChildren(el('p', {}, d.files.length + ' files changed against ' +
                                     String(d.base).slice(0, 12) +
                                     (d.truncated ? ' (cut: too long)' : '')), list, ...files);
  }

  function sessionView(id) {
    let afterState = 0, afterEvent = 0;
    const head = el('div', { id: 'session-head' });
    const facts = el('dl');
    const states = el('tbody'), checkRows = el('tbody'), lineage = el('dl');
    const log = el('ol', { id: 'log' });
    const diff = el('div', { id: 'diff' });
    const diffButton = el('button', { id: 'show-diff', onclick: async () => {
      try { diffView(diff, await api('/api/sessions/' + enc(id) + '/diff')); }
      catch (e) { diff.replaceChildren(el('p', { class: 'error' }, e.message)); }
    } }, 'Show diff');
    main.replaceChildren(head, facts, el('h3', {}, 'States'), el('table', { id: 'states' }, states),
      el('h3', {}, 'Checks'), el('table', { id: 'checks' }, checkRows), el('h3', {}, 'Lineage'),
      lineage, el('h3', {}, 'Diff against the base ', diffButton), diff, el('h3', {}, 'Events'),
      log);
    async function refresh() {
      const r = await api('/api/sessions/' + enc(id));
      id = r.session;
      head.replaceChildren(el('h2', {}, 'Session ', r.session, ' ', stateCell(r.state, 'session-state')),
                           actions(r));
      const kv = [['unit', r.unit], ['agent', r.agent], ['backend', r.backend],
                  ['branch', r.branch], ['worktree', r.worktree], ['started', time(r.started_at)],
                  ['ended', time(r.ended_at)], ['cost', money(r.cost_usd)],
                  ['tokens', r.tokens_in + ' in, ' + r.tokens_out + ' out'],
                  ['commit', r.commit], ['diffstat', r.diffstat], ['summary', r.summary],
                  ['error', r.error], ['note', r.note]];
      facts.replaceChildren(...kv.filter(p => p[1]).flatMap(p => [el('dt', {}, p[0]), el('dd', {}, p[1])]));
      states.replaceChildren(...r.states.map(s => el('tr', {}, el('td', {}, time(s.at)),
        el('td', {}, stateCell(s.state)), el('td', {}, s.source), el('td', {}, s.detail))));
      checkRows.replaceChildren(...(r.check_runs || []).map(c => el('tr', {},
        el('td', {}, c.name), el('td', { class: 'check-' + c.result }, c.result),
        el('td', {}, c.exit_code === null ? '' : c.exit_code), el('td', {}, c.command))));
      if (!checkRows.children.length) checkRows.append(el('tr', {}, el('td', {}, 'no checks')));
      const lin = r.lineage || {};
      lineage.replaceChildren(el('dt', {}, 'parents'), el('dd', {}, links(lin.parents)),
        el('dt', {}, 'children'), el('dd', {}, links(lin.children)),
        el('dt', {}, 'unit sessions'), el('dd', {}, links(lin.unit_sessions)));
      const l = await api('/api/sessions/' + enc(id) + '/log?after_state=' + afterState +
                          '&after_event=' + afterEvent);
      afterState = l.after_state;
      afterEvent = l.after_event;
      for (const e of l.entries) {
        log.append(el('li', { class: 'kind-' + e.kind }, el('time', {}, time(e.at)), ' ',
                      el('b', {}, e.kind), ' ', logText(e)));
      }
    }
    return { refresh };
  }

  function convoysView() {
    const tbody = el('tbody');
    main.replaceChildren(el('h2', {}, 'Convoys'), el('table', { id: 'convoys' }, el('thead', {},
      el('tr', {}, ...['Convoy', 'Progress', 'Done', 'Failed', 'Live', 'Cost', 'Repo'].map(h => el('th', {}, h)))), tbody));
    async function refresh() {
      const list = await api('/api/convoys');
      tbody.replaceChildren(...list.map(c => {
        const t = c.totals;
        return el('tr', { 'data-convoy': c.name },
          el('td', {}, el('a', { href: '#/convoy/' + enc(c.name) }, c.name), c.stopped_at ? ' (stopped)' : ''),
          el('td', {}, el('progress', { max: 1, value: c.progress }), ' ' + t.finished + '/' + t.units),
          el('td', {}, t.done), el('td', {}, t.failed + t.stopped + t.lost),
          el('td', {}, t.units - t.finished), el('td', { class: 'num' }, money(t.cost_usd)),
          el('td', {}, c.repo));
      }));
      if (!list.length) tbody.append(el('tr', {}, el('td', {}, 'no convoys')));
    }
    return { refresh };
  }

  function convoyView(name) {
    const head = el('div'), tbody = el('tbody'), forecast = el('div', { id: 'forecast' });
    const button = el('button', { id: 'forecast-button', onclick: async () => {
      forecast.replaceChildren(el('p', {}, 'forecasting...'));
      try {
        const f = await api('/api/convoys/' + enc(name) + '/conflicts');
        const ul = el('ul');
        for (const c of f.conflicts) ul.append(el('li', {}, c.a + ' x ' + c.b + ': ' + c.paths.join(', ')));
        for (const s of f.skipped) ul.append(el('li', {}, s.unit + ' skipped: ' + s.reason));
        forecast.replaceChildren(el('p', {}, f.conflicts.length + ' conflicting pairs of ' + f.pairs +
                                           '; landing order: ' + f.order.join(', ')), ul);
      } catch (e) { forecast.replaceChildren(el('p', { class: 'error' }, e.message)); }
    } }, 'Forecast conflicts');
    main.replaceChildren(head, el('table', { id: 'units' }, el('thead', {}, el('tr', {},
      ...['Unit', 'State', 'Session', 'Attempts', 'Cost', 'Diffstat'].map(h => el('th', {}, h)))), tbody),
      el('h3', {}, 'Conflict forecast ', button), forecast);
    async function refresh() {
      const c = await api('/api/convoys/' + enc(name));
      const t = c.totals;
      head.replaceChildren(el('h2', {}, 'Convoy ', c.name), el('p', {},
        el('progress', { max: 1, value: c.progress }), ' ' + t.finished + '/' + t.units +
        ' ended, ' + t.done + ' done, cost ' + money(t.cost_usd)));
      tbody.replaceChildren(...c.units.map(u => el('tr', { 'data-unit': u.unit },
        el('td', {}, u.unit), el('td', {}, stateCell(u.state)),
        el('td', {}, u.session ? el('a', { href: '#/session/' + enc(u.session) }, u.session) : ''),
        el('td', {}, u.attempts), el('td', { class: 'num' }, money(u.cost_usd)),
        el('td', {}, u.diffstat))));
    }
    return { refresh };
  }

  let busy = false, again = false;
  async function refreshNow() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      await view.refresh();
      if (statusLine.className === 'error' && statusLine.dataset.kind === 'load') setStatus('');
    } catch (e) {
      setStatus(e.message, true);
      statusLine.dataset.kind = 'load';
    } finally {
      busy = false;
      if (again) { again = false; refreshNow(); }
    }
  }
  function route() {
    const h = location.hash || '#/sessions';
    let m;
    if ((m = h.match(/^#\/session\/(.+)$/))) view = sessionView(decodeURIComponent(m[1]));
    else if ((m = h.match(/^#\/convoy\/(.+)$/))) view = convoyView(decodeURIComponent(m[1]));
    else if (h === '#/convoys') view = convoysView();
    else view = sessionsView();
    refreshNow();
  }

  api('/api/info').then(i => { info = i; }).catch(e => setStatus(e.message, true)).finally(() => {
    window.addEventListener('hashchange', route);
    route();
    const es = new EventSource('/api/events?token=' + enc(token));
    const conn = document.getElementById('conn');
    es.addEventListener('open', () => { conn.textContent = 'live'; });
    es.addEventListener('error', () => { conn.textContent = 'reconnecting...'; });
    es.addEventListener('change', () => refreshNow());
  });
})();
)orchjs";
  return js;
}

}  // namespace orch::cmd
