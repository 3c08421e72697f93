// A second style of composed MiniWoB pages, written for the tests independently of
// workbench.web.compose: MiniWoB's own instruction wordings, elements appended straight into
// #area (no per-sub-task container, no project class names), <a href> links, <label for=...>,
// an ARIA dialog closed by a "×", one <input type=submit> shared by every form sub-task (each
// press commits the next form sub-task), and a forward or reverse wording drawn per episode.
var S2 = {used: {}};
S2.WORDS = ['alpha', 'bravo', 'delta', 'echo', 'gamma', 'kilo', 'lima', 'mango', 'nova', 'oscar',
  'pluto', 'quartz', 'romeo', 'sierra', 'tango', 'ultra', 'vega', 'whisky', 'yankee', 'zulu'];
S2.NAMES = ['mira', 'olaf', 'petra', 'quinn', 'rudi', 'sasha', 'timo', 'uma', 'vik', 'wanda'];
S2.pick = function(pool) {
  for (var t = 0; t < 100; t++) {
    var v = typeof pool === 'function' ? pool() : core.sample(pool);
    if (!S2.used[v]) { S2.used[v] = true; return v; }
  }
  throw new Error('S2.pick: pool exhausted');
};
S2.token = function() { return ui_utils.generateString(2, 5); };
S2.id = 0;
S2.el = function(tag, attrs, text) {
  var e = document.createElement(tag);
  for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
};

// Each sub-task: build(parts) pushes DOM nodes into `parts`, sets this.check() -> bool and
// this.commitOn ('submit' = the shared Submit, or a function(done) wiring its own commit);
// returns [imperative, gerund].
S2.sub = {};
S2.sub.button = function(t) {
  var labels = [S2.pick(['Ok', 'Yes', 'No', 'Maybe', 'Later']), S2.pick(['Ok', 'Yes', 'No', 'Maybe', 'Later'])];
  var target = core.sample(labels);
  labels.forEach(function(l) {
    var b = S2.el('button', {}, l);
    b.onclick = function() { t.done(l === target); };
    t.parts.push(b);
  });
  return ['Click on the "' + target + '" button', 'clicking on the "' + target + '" button'];
};
S2.sub.link = function(t) {
  var words = [S2.pick(S2.WORDS), S2.pick(S2.WORDS), S2.pick(S2.WORDS)], target = core.sample(words);
  var p = S2.el('p', {}, 'See ');
  words.forEach(function(w) {
    var a = S2.el('a', {href: '#'}, w);
    a.onclick = function(ev) { ev.preventDefault(); t.done(w === target); };
    p.appendChild(a); p.appendChild(document.createTextNode(' '));
  });
  t.parts.push(p);
  return ['Click on the link "' + target + '"', 'clicking on the link "' + target + '"'];
};
S2.sub.option = function(t) {
  var opts = [S2.pick(S2.token), S2.pick(S2.token), S2.pick(S2.token)], target = core.sample(opts);
  opts.forEach(function(o) {
    var id = 'o' + (S2.id++);
    var d = S2.el('div');
    d.appendChild(S2.el('input', {type: 'radio', name: 'choice', id: id, value: o}));
    d.appendChild(S2.el('label', {'for': id}, o));
    t.parts.push(d);
  });
  t.check = function() { var c = document.querySelector('input[name=choice]:checked'); return !!c && c.value === target; };
  return ['Select ' + target + ' and click Submit', 'selecting ' + target + ' and clicking Submit'];
};
S2.sub.checkboxes = function(t) {
  var opts = [S2.pick(S2.token), S2.pick(S2.token), S2.pick(S2.token), S2.pick(S2.token)];
  var targets = opts.slice(0, core.randi(1, 3));
  core.shuffle(opts);
  opts.forEach(function(o) {
    var id = 'c' + (S2.id++);
    var d = S2.el('div');
    d.appendChild(S2.el('input', {type: 'checkbox', id: id, value: o}));
    d.appendChild(S2.el('label', {'for': id}, o));
    t.parts.push(d);
  });
  t.check = function() {
    var ok = true;
    document.querySelectorAll('input[type=checkbox]').forEach(function(b) {
      ok = ok && (b.checked === (targets.indexOf(b.value) >= 0));
    });
    return ok;
  };
  return ['Select ' + targets.join(', ') + ' and click Submit', 'selecting ' + targets.join(', ') + ' and clicking Submit'];
};
S2.sub.text = function(t) {
  var target = S2.pick(S2.WORDS);
  var inp = S2.el('input', {type: 'text', placeholder: 'Your answer'});
  t.parts.push(inp);
  t.check = function() { return inp.value === target; };
  return ['Enter "' + target + '" into the text field and press Submit',
          'entering "' + target + '" into the text field and pressing Submit'];
};
S2.sub.password = function(t) {
  var target = S2.pick(S2.token);
  var a = S2.el('input', {type: 'password', id: 'pw-a'}), b = S2.el('input', {type: 'password', id: 'pw-b'});
  t.parts.push(S2.el('label', {'for': 'pw-a'}, 'New password'), a, S2.el('label', {'for': 'pw-b'}, 'Repeat'), b);
  t.check = function() { return a.value === target && b.value === target; };
  return ['Enter the password "' + target + '" into both text fields and press submit',
          'entering the password "' + target + '" into both text fields and pressing submit'];
};
S2.sub.login = function(t) {
  var user = S2.pick(S2.NAMES), pw = S2.pick(S2.token);
  var u = S2.el('input', {type: 'text', id: 'who'}), p = S2.el('input', {type: 'password', id: 'secret'});
  var go = S2.el('button', {}, 'Login');
  go.onclick = function() { t.done(u.value === user && p.value === pw); };
  t.parts.push(S2.el('label', {'for': 'who'}, 'Username'), u, S2.el('label', {'for': 'secret'}, 'Password'), p, go);
  return ['Enter the username "' + user + '" and the password "' + pw + '" into the text fields and press login',
          'entering the username "' + user + '" and the password "' + pw + '" into the text fields and pressing login'];
};
S2.sub.tree = function(t) {
  var files = [S2.pick(S2.WORDS), S2.pick(S2.WORDS), S2.pick(S2.WORDS), S2.pick(S2.WORDS)];
  var target = core.sample(files);
  var root = S2.el('ul');
  [['Inbox', files.slice(0, 2)], ['Archive', files.slice(2)]].forEach(function(g) {
    var li = S2.el('li'), head = S2.el('span', {}, g[0]), kids = S2.el('ul');
    kids.style.display = 'none';
    head.onclick = function() { kids.style.display = kids.style.display === 'none' ? 'block' : 'none'; };
    g[1].forEach(function(f) {
      var leaf = S2.el('li', {}, f);
      leaf.onclick = function(ev) { ev.stopPropagation(); t.done(f === target); };
      kids.appendChild(leaf);
    });
    li.appendChild(head); li.appendChild(kids); root.appendChild(li);
  });
  t.parts.push(root);
  return ['Find and click on the folder or file named "' + target + '"',
          'finding and clicking on the file named "' + target + '"'];
};
S2.sub.dialog = function(t) {
  var d = S2.el('div', {role: 'dialog'});
  d.style.border = '1px solid #777';
  var bar = S2.el('div', {}, 'Message ');
  var x = S2.el('button', {'aria-label': 'Close'}, '\u00d7');
  x.onclick = function() { d.style.display = 'none'; t.done(true); };
  var ok = S2.el('button', {}, 'OK');
  ok.onclick = function() { t.done(false); };
  bar.appendChild(x); d.appendChild(bar); d.appendChild(S2.el('p', {}, 'Hello there')); d.appendChild(ok);
  t.parts.push(d);
  return ['Close the dialog box by clicking the "x"', 'closing the dialog box by clicking the "x"'];
};
S2.sub.widget = function(t) {
  var kinds = ['button', 'radio', 'text', 'textarea'], target = core.sample(kinds);
  var row = S2.el('div');
  kinds.forEach(function(k) {
    var w = k === 'button' ? S2.el('button', {}, 'Press') : k === 'textarea' ? S2.el('textarea') :
      S2.el('input', {type: k, name: 'w'});
    w.onclick = function() { t.done(k === target); };
    row.appendChild(w);
  });
  t.parts.push(row);
  return ['Click on a "' + target + '" widget', 'clicking on a "' + target + '" widget'];
};

S2.genProblem = function(kinds) {
  var area = document.getElementById('area');
  area.innerHTML = '';
  S2.used = {};
  var n = kinds.length, flags = [], subs = [], texts = [], i;
  var finish = function(k, ok) {
    if (WOB_DONE_GLOBAL) return;
    var before = true;
    for (var j = 0; j < k; j++) before = before && flags[j];
    if (k === n - 1) { var win = ok && before; core.endEpisode(win ? 1 : -1, win); return; }
    flags[k] = ok && before;
  };
  for (i = 0; i < n; i++) {
    var t = {parts: [], check: null};
    t.done = (function(k) { return function(ok) { finish(k, ok); }; })(i);
    texts.push(S2.sub[kinds[i]](t));
    subs.push(t);
  }
  var order = subs.slice();        // layout order: random, says nothing about execution order
  core.shuffle(order);
  order.forEach(function(t) { t.parts.forEach(function(p) { area.appendChild(p); }); });
  var forms = subs.filter(function(t) { return t.check; });
  if (forms.length) {
    var pressed = 0;
    var submit = S2.el('input', {type: 'submit', value: 'Submit'});
    submit.onclick = function() {       // one Submit for every form: each press commits the next
      if (pressed < forms.length) { var t = forms[pressed++]; t.done(t.check()); }
    };
    area.appendChild(S2.el('br'));
    area.appendChild(submit);
  }
  var q;
  if (n > 1 && core.sample([true, false])) {   // reverse: final sub-task first
    var ger = texts.slice(0, n - 1).map(function(x) { return x[1]; });
    q = texts[n - 1][0] + ', after ' + (ger.length === 1 ? ger[0] : ger.slice(0, -1).join(', ') + ', and ' + ger[ger.length - 1]) + '.';
  } else {
    var imp = texts.map(function(x, k) { return k ? x[0].charAt(0).toLowerCase() + x[0].slice(1) : x[0]; });
    q = n === 1 ? imp[0] + '.' : imp.slice(0, -1).join(', ') + ', and then ' + imp[n - 1] + '.';
  }
  document.getElementById('query').textContent = q;
};
