// Base sub-tasks for workbench.web.compose, written for this project after the MiniWoB++ tasks of
// the same name (same goal and widgets, smaller boxes, no commas inside a clause). Each takes its
// box (a d3 selection) and commit(ok), builds its widgets, wires its one committing click, and
// returns {imp, ger}: the clause as an imperative ("click the link "x"") and a gerund ("clicking ...").

COMP.bases['click-button'] = function(box, commit) {
  var labels = COMP.pickN(['Okay', 'Yes', 'No', 'Next', 'Previous', 'Back', 'Go', 'Stop', 'Retry'], 3);
  var target = core.sample(labels);
  labels.forEach(function(l) {
    box.append('button').attr('class', 'btn').text(l).on('click', function() { commit(l === target); });
  });
  return {imp: 'click the "' + target + '" button', ger: 'clicking the "' + target + '" button'};
};

COMP.bases['click-link'] = function(box, commit) {
  var links = COMP.pickN(COMP.WORDS, 3), target = core.sample(links);
  var p = box.append('p').attr('class', 'links');
  var filler = COMP.pickN(COMP.WORDS, 4);
  var words = links.concat(filler);
  core.shuffle(words);
  words.forEach(function(w) {
    if (links.indexOf(w) >= 0) {
      p.append('span').attr('class', 'alink').text(w).on('click', function() { commit(w === target); });
    } else {
      p.append('span').attr('class', 'word').text(w);
    }
  });
  return {imp: 'click the link "' + target + '"', ger: 'clicking the link "' + target + '"'};
};

COMP.bases['click-option'] = function(box, commit) {
  var opts = COMP.pickN(COMP.token, core.randi(3, 5)), target = core.sample(opts);
  opts.forEach(function(o, i) {
    var label = box.append('label');
    label.append('input').attr('type', 'radio').attr('name', 'opt-radio').attr('value', o);
    label.append('span').text(o);
    box.append('br');
  });
  COMP.submitButton(box, 'Submit', function() {
    var chosen = box.select('input[name=opt-radio]:checked');
    commit(!chosen.empty() && chosen.attr('value') === target);
  });
  return {imp: 'select "' + target + '" and submit', ger: 'selecting "' + target + '" and submitting'};
};

COMP.bases['click-checkboxes'] = function(box, commit) {
  var opts = COMP.pickN(COMP.token, 4), k = core.randi(1, 3);
  var targets = opts.slice(0, k);
  core.shuffle(opts);
  opts.forEach(function(o) {
    var label = box.append('label');
    label.append('input').attr('type', 'checkbox').attr('value', o);
    label.append('span').text(o);
    box.append('br');
  });
  COMP.submitButton(box, 'Submit', function() {
    var ok = true;
    box.selectAll('input[type=checkbox]').each(function() {
      ok = ok && (this.checked === (targets.indexOf(this.value) >= 0));
    });
    commit(ok);
  });
  var what = targets.map(function(t) { return '"' + t + '"'; }).join(' and ');
  return {imp: 'check ' + what + ' and submit', ger: 'checking ' + what + ' and submitting'};
};

COMP.bases['enter-text'] = function(box, commit) {
  var target = COMP.pick(COMP.WORDS);
  box.append('input').attr('type', 'text').attr('class', 'text-field');
  COMP.submitButton(box, 'Submit', function() {
    commit(box.select('.text-field').property('value').trim() === target);
  });
  return {imp: 'type "' + target + '" and submit', ger: 'typing "' + target + '" and submitting'};
};

COMP.bases['enter-password'] = function(box, commit) {
  var target = COMP.pick(COMP.token);
  box.append('span').text('Password');
  box.append('input').attr('type', 'password').attr('class', 'pw1');
  box.append('span').text('Verify');
  box.append('input').attr('type', 'password').attr('class', 'pw2');
  COMP.submitButton(box, 'Submit', function() {
    commit(box.select('.pw1').property('value') === target && box.select('.pw2').property('value') === target);
  });
  return {imp: 'enter the password "' + target + '" twice and submit',
          ger: 'entering the password "' + target + '" twice and submitting'};
};

COMP.bases['login-user'] = function(box, commit) {
  var user = COMP.pick(COMP.NAMES).toLowerCase(), pw = COMP.pick(COMP.token);
  box.append('span').text('Username');
  box.append('input').attr('type', 'text').attr('class', 'username');
  box.append('span').text('Password');
  box.append('input').attr('type', 'password').attr('class', 'password');
  COMP.submitButton(box, 'Login', function() {
    commit(box.select('.username').property('value') === user && box.select('.password').property('value') === pw);
  });
  return {imp: 'log in as "' + user + '" with password "' + pw + '"',
          ger: 'logging in as "' + user + '" with password "' + pw + '"'};
};

COMP.bases['click-dialog'] = function(box, commit) {
  var labels = ['OK', 'Cancel', 'Close'], target = core.sample(labels);
  var dlg = box.append('div').attr('class', 'dialog');
  dlg.append('div').attr('class', 'dialog-title').text('Notice');
  dlg.append('p').text(COMP.word() + ' ' + COMP.word() + ' ' + COMP.word());
  core.shuffle(labels);
  labels.forEach(function(l) {
    dlg.append('button').attr('class', 'dialog-btn').text(l).on('click', function() { commit(l === target); });
  });
  return {imp: 'press "' + target + '" in the dialog', ger: 'pressing "' + target + '" in the dialog'};
};

COMP.bases['click-widget'] = function(box, commit) {
  var kinds = ['button', 'checkbox', 'radio', 'textarea', 'text'];
  core.shuffle(kinds);
  kinds = kinds.slice(0, 4);
  var target = core.sample(kinds);
  kinds.forEach(function(kd) {
    var w;
    if (kd === 'button') w = box.append('button').attr('class', 'widget').text(COMP.word());
    else if (kd === 'textarea') w = box.append('textarea').attr('class', 'widget');
    else w = box.append('input').attr('type', kd).attr('class', 'widget');
    w.attr('data-type', kd).on('click', function() { commit(kd === target); });
  });
  return {imp: 'click the "' + target + '" widget', ger: 'clicking the "' + target + '" widget'};
};

COMP.bases['enter-date'] = function(box, commit) {
  var pad = function(x) { return (x < 10 ? '0' : '') + x; };
  var target = pad(core.randi(1, 13)) + '/' + pad(core.randi(1, 29)) + '/' + core.randi(2000, 2030);
  box.append('span').text('Date');
  box.append('input').attr('type', 'text').attr('class', 'date-field').attr('placeholder', 'mm/dd/yyyy');
  COMP.submitButton(box, 'Submit', function() {
    commit(box.select('.date-field').property('value').trim() === target);
  });
  return {imp: 'enter the date ' + target + ' and submit', ger: 'entering the date ' + target + ' and submitting'};
};

COMP.bases['navigate-tree'] = function(box, commit) {
  var folders = COMP.pickN(['Docs', 'Media', 'Music', 'Notes', 'Photos', 'Work', 'Home'], 2);
  var files = COMP.pickN(COMP.NAMES, 5), target = core.sample(files);
  var ul = box.append('ul').attr('class', 'tree');
  var split = core.randi(2, 4);
  [files.slice(0, split), files.slice(split)].forEach(function(group, gi) {
    var li = ul.append('li');
    var kids = li.append('ul').style('display', 'none');
    li.insert('span', 'ul').attr('class', 'folder').text(folders[gi]).on('click', function() {
      kids.style('display', kids.style('display') === 'none' ? 'block' : 'none');
    });
    group.forEach(function(f) {
      kids.append('li').append('span').attr('class', 'file').text(f).on('click', function() { commit(f === target); });
    });
  });
  return {imp: 'open the file "' + target + '"', ger: 'opening the file "' + target + '"'};
};
