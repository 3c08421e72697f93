// A third style of composed MiniWoB pages, written for the tests: the layout CompWoB's published
// pages use, one form with ONE shared button (Submit or Login) named once at the end of the
// instruction, so earlier clauses have no Submit of their own ("Select X, and then enter ... and
// press login"); click-button-sequence's "Click button ONE, then click button TWO"; decoy buttons
// whose labels differ from the wanted ones only in case, placed first; forward or reverse wording
// drawn per episode.
var S3 = {};
S3.el = function(tag, attrs, text) {
  var e = document.createElement(tag);
  for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
};
S3.token = function() { return ui_utils.generateString(2, 6); };
S3.field = function(area, label, type, id) {
  var p = S3.el('p');
  p.appendChild(S3.el('label', {'for': id}, label));
  p.appendChild(S3.el('input', {type: type, id: id}));
  area.appendChild(p);
  return function() { return document.getElementById(id).value; };
};

// sub-tasks: each appends its elements to `area` and returns {ok(), imp, ger}
S3.sub = {};
S3.sub.sequence = function(area) {
  var state = 0;   // 0: nothing, 1: ONE clicked, 2: ONE then TWO, -1: anything else
  [['one', -1], ['two', -1], ['ONE', 1], ['TWO', 2]].forEach(function(b) {
    var e = S3.el('button', {type: 'button'}, b[0]);
    e.onclick = function() { state = (b[1] === state + 1) ? b[1] : -1; };
    area.appendChild(e);
  });
  return {ok: function() { return state === 2; },
          imp: 'Click button ONE, then click button TWO', ger: 'clicking button ONE, then clicking button TWO'};
};
S3.sub.password = function(area) {
  var pw = S3.token();
  var a = S3.field(area, 'Password', 'password', 'pw1'), b = S3.field(area, 'Verify password', 'password', 'pw2');
  return {ok: function() { return a() === pw && b() === pw; },
          imp: 'enter the password "' + pw + '" into both text fields',
          ger: 'entering the password "' + pw + '" into both text fields'};
};
S3.sub.option = function(area) {
  var opts = [S3.token(), S3.token(), S3.token()], target = core.sample(opts);
  opts.forEach(function(o, i) {
    var l = S3.el('label');
    l.appendChild(S3.el('input', {type: 'radio', name: 'opt', id: 'opt' + i, value: o}));
    l.appendChild(document.createTextNode(o));
    area.appendChild(l);
  });
  var ok = function() { var c = document.querySelector('input[name=opt]:checked'); return !!c && c.value === target; };
  return {ok: ok, imp: 'select ' + target, ger: 'selecting ' + target};
};
S3.sub.login = function(area) {
  var user = core.sample(ui_utils.FIFTY_NAMES).toLowerCase(), pw = S3.token();
  var u = S3.field(area, 'Username', 'text', 'user'), p = S3.field(area, 'Password', 'password', 'pass');
  return {ok: function() { return u() === user && p() === pw; },
          imp: 'enter the username "' + user + '" and the password "' + pw + '" into both text fields',
          ger: 'entering the username "' + user + '" and the password "' + pw + '" into both text fields'};
};

// subs: sub-task names in execution order; button: the shared button's label; press: how the
// instruction names it after the final clause
S3.genProblem = function(subs, button, press) {
  var area = document.getElementById('area');
  area.innerHTML = '';
  var done = subs.map(function(s) { return S3.sub[s](area); });
  var go = S3.el('button', {type: 'button', id: 'go'}, button);
  go.onclick = function() {
    var ok = done.every(function(d) { return d.ok(); });
    core.endEpisode(ok ? 1.0 : -1.0, ok);
  };
  area.appendChild(go);
  var n = done.length, last = done[n - 1];
  var q;
  if (core.sample([true, false])) {   // forward: "A, B, and then C and press X."
    var first = done.slice(0, -1).map(function(d) { return d.imp; });
    q = first.join(', ') + ', and then ' + last.imp + ' and ' + press + '.';
  } else {                            // reverse: "C and press X, after A-ing, and B-ing."
    var ger = done.slice(0, -1).map(function(d) { return d.ger; });
    q = last.imp + ' and ' + press + ', after ' + (ger.length === 1 ? ger[0] : ger.slice(0, -1).join(', ') + ', and ' + ger[ger.length - 1]) + '.';
  }
  document.getElementById('query').textContent = q.charAt(0).toUpperCase() + q.slice(1);
};
