// workbench.web.compose runtime: run several base sub-tasks on one page, in a fixed execution order.
// Each sub-task lives in its own box (div.task-box#box-<base>) inside #area; boxes are shown in a
// random order, so the layout says nothing about the execution order. A sub-task "commits" once (a
// click that would end the base task). Earlier commits only set a flag, true iff the sub-task was
// done right AND every earlier sub-task was already done right (the page enforces the order); the
// final sub-task's commit ends the episode: +1 iff every flag is set and it is right, else -1.
// With COMP_TRANSITION the boxes are shown one at a time: committing box k swaps in box k+1.
var COMP = {bases: {}, used: {}};

COMP.pick = function(pool) {           // a value from pool not used anywhere else on this page
  for (var t = 0; t < 200; t++) {
    var v = typeof pool === 'function' ? pool() : core.sample(pool);
    if (!COMP.used[String(v).toLowerCase()]) { COMP.used[String(v).toLowerCase()] = true; return v; }
  }
  throw new Error('COMP.pick: pool exhausted');
};
COMP.pickN = function(pool, n) { var out = []; for (var i = 0; i < n; i++) out.push(COMP.pick(pool)); return out; };
COMP.word = function() { return core.sample(COMP.WORDS); };
COMP.token = function() { return ui_utils.generateString(3, 6).toLowerCase(); };
COMP.WORDS = ['lorem', 'ipsum', 'dolor', 'amet', 'elit', 'purus', 'magna', 'urna', 'lectus', 'nulla',
  'enim', 'diam', 'quis', 'odio', 'orci', 'massa', 'vitae', 'tortor', 'eros', 'donec', 'nunc', 'augue',
  'lacus', 'felis', 'arcu', 'sapien', 'metus', 'nibh', 'risus', 'justo', 'velit', 'neque', 'porta',
  'tempus', 'semper', 'mattis', 'libero', 'ligula', 'turpis', 'dictum', 'cursus', 'varius', 'mollis'];
COMP.NAMES = ['Anna', 'Bruno', 'Carla', 'Dario', 'Elena', 'Fabio', 'Greta', 'Hugo', 'Irene', 'Jonas',
  'Karin', 'Luca', 'Marta', 'Nico', 'Olga', 'Pablo', 'Rosa', 'Sven', 'Tina', 'Ugo', 'Vera', 'Walt'];

COMP.submitButton = function(box, label, onclick) {
  box.append('br');
  return box.append('button').attr('class', 'submit').text(label || 'Submit').on('click', onclick);
};

COMP.join = function(specs, direction) {
  // forward: "A, B, and then C."   reverse: "C, after A-ing, and B-ing."
  var cap = function(s) { return s.charAt(0).toUpperCase() + s.slice(1); };
  var n = specs.length, i;
  if (n === 1) return cap(specs[0].imp) + '.';
  if (direction === 'reverse') {
    var ger = [];
    for (i = 0; i < n - 1; i++) ger.push(specs[i].ger);
    var tail = n === 2 ? ger[0] : ger.slice(0, -1).join(', ') + ', and ' + ger[n - 2];
    return cap(specs[n - 1].imp) + ', after ' + tail + '.';
  }
  var imps = [];
  for (i = 0; i < n; i++) imps.push(specs[i].imp);
  return cap(imps.slice(0, -1).join(', ')) + ', and then ' + imps[n - 1] + '.';
};

COMP.genProblem = function(bases, direction, transition) {
  var area = d3.select('#area');
  area.html('');
  COMP.used = {};
  var n = bases.length, flags = [], specs = [], boxes = [], i;
  var layout = [];
  for (i = 0; i < n; i++) { flags.push(false); layout.push(i); }
  if (!transition) core.shuffle(layout);
  for (i = 0; i < n; i++) boxes[layout[i]] = area.append('div').attr('class', 'task-box')
                                                 .attr('id', 'box-' + bases[layout[i]]);
  var commit = function(k) {
    return function(ok) {
      if (WOB_DONE_GLOBAL) return;
      var before = true;
      for (var j = 0; j < k; j++) before = before && flags[j];
      if (k === n - 1) {
        var win = ok && before;
        core.endEpisode(win ? 1.0 : -1.0, win, win ? 'all sub-tasks done in order' :
                        (ok ? 'final sub-task before an earlier one' : 'final sub-task wrong'));
        return;
      }
      flags[k] = ok && before;
      if (transition && flags[k]) {          // page content changes mid-task
        boxes[k].style('display', 'none');
        boxes[k + 1].style('display', 'block');
      }
    };
  };
  for (i = 0; i < n; i++) {
    specs.push(COMP.bases[bases[i]](boxes[i], commit(i)));
    if (transition && i > 0) boxes[i].style('display', 'none');
  }
  d3.select('#query').text(COMP.join(specs, direction));
  COMP.specs = specs;   // for debugging from the console; agents never read it
};
