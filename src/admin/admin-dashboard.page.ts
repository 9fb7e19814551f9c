/**
 * The live dashboard (GET /admin): a static page that asks for the admin token, keeps it in the tab's
 * sessionStorage only, and polls the admin API. Every value is inserted as text, never as HTML.
 */
export const ADMIN_DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tour-guide sessions · dashboard</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
  h1 { font-size: 1.3rem; } table { border-collapse: collapse; margin: 1rem 0; }
  td, th { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; }
  .alert { color: #b00; font-weight: bold; } #error { color: #b00; }
</style>
</head>
<body>
<h1>Tour-guide sessions</h1>
<form id="login"><label>Admin token <input id="token" type="password" autocomplete="off"></label> <button>Show</button></form>
<p id="error"></p>
<h2>Stats</h2><table id="stats"></table>
<h2>Alerts</h2><ul id="alerts"></ul>
<h2>Most recently active sessions</h2>
<table><thead><tr><th>session</th><th>last activity</th><th>turns</th><th>pending</th><th>locale</th><th>client IP</th><th>flags</th></tr></thead><tbody id="sessions"></tbody></table>
<script>
  const $ = (id) => document.getElementById(id);
  const cell = (row, text) => { const td = document.createElement('td'); td.textContent = String(text); row.appendChild(td); };
  $('token').value = sessionStorage.getItem('adminToken') || '';
  $('login').addEventListener('submit', (event) => { event.preventDefault(); sessionStorage.setItem('adminToken', $('token').value); refresh(); });
  async function get(path) {
    const response = await fetch(path, { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('adminToken') } });
    if (!response.ok) throw new Error(path + ': ' + response.status);
    return response.json();
  }
  async function refresh() {
    if (!sessionStorage.getItem('adminToken')) return;
    try {
      const [stats, list] = await Promise.all([get('/v1/admin/stats'), get('/v1/admin/sessions?limit=20')]);
      $('error').textContent = '';
      const table = $('stats'); table.replaceChildren();
      for (const [name, value] of Object.entries(stats)) {
        if (name === 'alerts') continue;
        const row = document.createElement('tr'); cell(row, name); cell(row, typeof value === 'object' ? JSON.stringify(value) : value); table.appendChild(row);
      }
      const alerts = $('alerts'); alerts.replaceChildren();
      for (const alert of stats.alerts || []) {
        const item = document.createElement('li'); item.className = 'alert'; item.textContent = alert.name + ' since ' + alert.since + ': ' + alert.message; alerts.appendChild(item);
      }
      const body = $('sessions'); body.replaceChildren();
      for (const s of list.sessions) {
        const row = document.createElement('tr');
        [s.sessionId.slice(0, 8) + '…', s.lastActivityAt, s.turnCount, s.pendingMessages, s.locale, s.clientIp || '', s.flags.join(', ')].forEach((v) => cell(row, v));
        body.appendChild(row);
      }
    } catch (error) { $('error').textContent = String(error); }
  }
  refresh(); setInterval(refresh, 5000);
</script>
</body>
</html>
`;
