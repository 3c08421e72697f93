"""Oracles for the rest of the 56-task WebGUM/WebAgent subset (`workbench.web.catalog.SUBSET`):
lists, time, spinner, menus, colours, shapes, grids, games, social media, email and dates.

Registered into `workbench.web.oracles.PLANNERS` (imported there). Each solves from the
observation a policy sees: the instruction, the DOM (tags, text, values, colours, positions) and
the HTML attributes of SVG shapes; never from a task's hidden answer (no `data-color`,
`data-type`, element ids that spell the answer, or miniwob `fields`).
Visual tasks (`catalog.VISUAL`) read what the page exposes for its picture: computed colours,
SVG tags, `fill` and sizes, circle positions, cell classes.
"""
from __future__ import annotations

import colorsys
import re

from workbench.web.actions import Action
from workbench.web.oracles import planner, plan_multi_layouts, PLANNERS
from workbench.web.skills import (WAIT_TIMEOUT_S, Skill, SkillError, find, find_all, find_button,
                                  norm, skill, wait_for)
from workbench.web.task_skills import choose_suggestion, submit


def _rx(pattern: str, u: str, what: str) -> re.Match:
    m = re.search(pattern, u, re.I)
    if not m:
        raise SkillError(f"cannot parse {what} instruction {u!r}")
    return m


def rgb(css: str) -> tuple[int, int, int] | None:
    """(r, g, b) of a computed CSS colour ("rgb(1, 2, 3)" / "rgba(1, 2, 3, 0.5)"), None if
    transparent or unreadable."""
    m = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)", css or "")
    if not m or (m.group(4) is not None and float(m.group(4)) == 0):
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def named_rgb(name: str) -> tuple[int, int, int]:
    """A CSS colour name as (r, g, b) (PIL knows the CSS names)."""
    from PIL import ImageColor

    return ImageColor.getrgb(name.strip().lower())[:3]


# ---------------------------------------------------------------------------------------------
# Lists, time, spinner, forms

@skill
def choose_from_select(s, text: str):
    """Pick `text` in a `<select>`: focus it and type the option's text (type-ahead selects it)."""
    sel = find(s.obs, tag="SELECT")
    s.say(f'choose "{text}"', sel)
    yield Action.type(sel.ref, text)


@planner("choose-list")
def plan_choose_list(u: str) -> list[Skill]:
    # 'Select Bobine from the list and click Submit.'
    return [choose_from_select(_rx(r"Select (.+?) from the list", u, "choose-list").group(1)),
            submit()]


@skill
def enter_time(s, hh: int, mm: int, ampm: str):
    """Type a time into an `<input type=time>` (hours, minutes, then A or P)."""
    box = find(s.obs, tag="INPUT_time")
    s.say("type the time", box)
    yield Action.type(box.ref, f"{hh:02d}{mm:02d}{ampm[0].upper()}")


@planner("enter-time")
def plan_enter_time(u: str) -> list[Skill]:
    # 'Enter 8:04 PM as the time and press submit.'
    m = _rx(r"Enter (\d+):(\d\d) ?([AP]M)", u, "enter-time")
    return [enter_time(int(m.group(1)), int(m.group(2)), m.group(3)), submit()]


@skill
def spin_to(s, target: int, tries: int = 40):
    """Step a jQuery-UI spinner to `target` with the arrow keys (its arrow buttons react to
    mouse-down only, which element clicks do not send); reads the value after each key."""
    box = find(s.obs, classes="ui-spinner-input")
    s.say("focus the spinner", box)
    yield Action.click(box.ref)
    for _ in range(tries):
        box = find(s.obs, classes="ui-spinner-input")
        try:
            value = int(box.value or 0)
        except ValueError:
            value = 0
        if value == target:
            return
        s.say("step up" if value < target else "step down", box)
        yield Action.press_key("<ArrowUp>" if value < target else "<ArrowDown>")
    raise SkillError(f"spinner did not reach {target}")


@planner("use-spinner")
def plan_use_spinner(u: str) -> list[Skill]:
    # 'Select -7 with the spinner and hit Submit.'
    return [spin_to(int(_rx(r"Select (-?\d+) with the spinner", u, "use-spinner").group(1))),
            submit()]


PLANNERS["multi-orderings"] = plan_multi_layouts


@skill
def guess_number(s, low: int, high: int):
    """Binary search with the page's feedback ("higher"/"lower" than the last guess)."""
    for _ in range(high - low + 2):
        guess = (low + high) // 2
        box = find(s.obs, tag="INPUT_number")
        if box.value:
            s.say("clear the guess", box)
            yield Action.click(box.ref)
            s.say("clear the guess", box)
            yield Action.press_key("C-a")
            s.say("clear the guess", box)
            yield Action.press_key("<Backspace>")
        s.say(f"type {guess}", box)
        yield Action.type(box.ref, str(guess))
        s.say("click Submit")
        yield Action.click(find_button(s.obs, "Submit").ref)
        feedback = " ".join(e.text.lower() for e in s.obs.dom if e.text)
        if "higher" in feedback:
            low = guess + 1
        elif "lower" in feedback:
            high = guess - 1
        else:
            return
        if low > high:
            raise SkillError("feedback is inconsistent")
    raise SkillError("number not found")


@planner("guess-number")
def plan_guess_number(u: str) -> list[Skill]:
    # 'Guess the number between 0-9 and press Submit. Use the feedback below ...'
    m = _rx(r"between (-?\d+)\s*-\s*(-?\d+)", u, "guess-number")
    return [guess_number(int(m.group(1)), int(m.group(2)))]


# ---------------------------------------------------------------------------------------------
# Menus

@skill
def menu_path(s, items: list[str], presses: int = 40, timeout_s: float = WAIT_TIMEOUT_S):
    """Walk a jQuery-UI menu with the keyboard: focus it, move the highlight to each item with
    the arrow keys, open its submenu with ArrowRight, press Enter on the last. (Clicking an item
    that has a submenu would select it and end the task.)

    A key acts on the menu's highlighted item, so each key waits until the page shows the
    highlight in the list the key is meant for. ArrowRight shows the submenu at once but moves
    the highlight into it only in a zero-delay timer; a key pressed before that timer runs (the
    observation can come in between) acts on the parent menu, and an ArrowDown there moves to the
    parent's next item and hides the submenu for good."""
    root = next((e for e in s.obs.dom if "ui-menu" in e.classes.split() and e.tag == "UL"), None)
    if root is None:
        raise SkillError("no menu")
    s.say("focus the menu", root)
    yield Action.click(root.ref)
    for level, item in enumerate(items):
        where = f'the highlight in the submenu of "{items[level - 1]}"' if level else \
            "the highlight in the menu"
        for _ in range(presses):
            target, active = yield from wait_for(
                s, lambda obs, level=level: _menu_level(obs, root.ref, items, level), where,
                timeout_s)
            if active.ref == target.ref:
                break
            down = s.obs.dom.index(active) < s.obs.dom.index(target)
            s.say(f'move to "{item}"', target)
            yield Action.press_key("<ArrowDown>" if down else "<ArrowUp>")
        else:
            raise SkillError(f"could not reach menu item {item!r}")
        last = level == len(items) - 1
        s.say(f'select "{item}"' if last else f'open "{item}"', target)
        yield Action.press_key("<Enter>" if last else "<ArrowRight>")


def _menu_level(obs, root: int, items: list[str], level: int):
    """(item, highlighted item) in the list of menu path `items[:level + 1]` (under the menu
    `<ul>` `root`); None while that list is hidden or nothing in it is highlighted yet.
    SkillError if the list shows but lacks the item."""
    ul = root
    for i, name in enumerate(items[:level + 1]):
        entries = [e for e in obs.dom if "ui-menu-item-wrapper" in e.classes.split()
                   and obs.element(e.parent).parent == ul]
        if not entries:
            return None
        # a long name wraps in the 50 px menu ("Sara-" / "Ann"): compare without whitespace
        target = next((e for e in entries
                       if "".join(obs.subtree_text(e.ref).split()) == "".join(name.split())), None)
        if target is None:
            raise SkillError(f"no menu item {name!r}" + (f" under {items[i - 1]!r}" if i else ""))
        if i < level:
            sub = next((e for e in obs.children(target.parent) if e.tag == "UL"), None)
            if sub is None:
                return None
            ul = sub.ref
    active = next((e for e in entries if "ui-state-active" in e.classes.split()), None)
    return None if active is None else (target, active)


@planner("click-menu")
def plan_click_menu(u: str) -> list[Skill]:
    # 'Select Alvera>Terza>Ludovika'
    return [menu_path([p.strip() for p in _rx(r"Select (.+)", u, "click-menu").group(1)
                       .rstrip(".").split(">")])]


@skill
def pie_item(s, label: str, timeout_s: float = WAIT_TIMEOUT_S):
    """Expand a wheelnav pie menu (its "+" spreader) and click the slice titled `label`."""
    def title(obs):
        return next((e for e in obs.dom if e.tag == "tspan" and e.text == label), None)

    spreader = next((e for e in s.obs.dom if e.id.endswith("-spreader")), None)
    if spreader is not None and title(s.obs) is None:
        s.say("expand the pie menu", spreader)
        yield Action.click(spreader.ref)
    t = yield from wait_for(s, title, f"the pie item {label!r}", timeout_s)
    parent = s.obs.element(t.parent)
    s.say(f'click "{label}"', parent)
    yield Action.click(parent.ref)


@planner("click-pie")
def plan_click_pie(u: str) -> list[Skill]:
    # 'Expand the pie menu below and click on the item labeled "A".'
    return [pie_item(_rx(r'labell?ed "([^"]*)"', u, "click-pie").group(1))]


# ---------------------------------------------------------------------------------------------
# Colours

@skill
def click_colour(s, name: str):
    """Click the box whose computed background colour is the CSS colour `name`."""
    want = named_rgb(name)
    boxes = [e for e in s.obs.dom if e.depth >= 3 and e.tag == "DIV" and rgb(e.bg_color)]
    if not boxes:
        raise SkillError("no coloured boxes")
    best = min(boxes, key=lambda e: sum((a - b) ** 2 for a, b in zip(rgb(e.bg_color), want)))
    s.say(f"click the {name} box", best)
    yield Action.click(best.ref)


@planner("click-color")
def plan_click_color(u: str) -> list[Skill]:
    # 'Click on the grey colored box.' (miniwob writes the swatch's colour name into the text)
    return [click_colour(_rx(r"Click on the (\w+) colou?red box", u, "click-color").group(1))]


HUES = {"red": 0.0, "green": 120.0, "blue": 240.0}


def hue_name(c: tuple[int, int, int]) -> str:
    h, _l, _s = colorsys.rgb_to_hls(*(x / 255 for x in c))
    deg = h * 360
    return min(HUES, key=lambda k: min(abs(deg - HUES[k]), 360 - abs(deg - HUES[k])))


@skill
def select_shades(s, colour: str):
    """Click every square whose background hue is nearest `colour`'s, then Submit."""
    squares = [e for e in s.obs.dom if e.tag == "SPAN" and rgb(e.bg_color)]
    for e in squares:
        if hue_name(rgb(e.bg_color)) == colour:
            s.say(f"select a shade of {colour}", e)
            yield Action.click(e.ref)


@planner("click-shades")
def plan_click_shades(u: str) -> list[Skill]:
    # 'Select all the shades of red and press Submit.'
    return [select_shades(_rx(r"shades of (\w+)", u, "click-shades").group(1).lower()), submit()]


# ---------------------------------------------------------------------------------------------
# Shapes (SVG): what each drawn item is, from its tag and attributes

DIGITS = set("0123456789")
SHAPE_TAGS = {"rect": "rectangle", "circle": "circle", "polygon": "triangle"}
COLOURS = ("red", "green", "blue", "aqua", "black", "magenta", "yellow")


def svg_items(obs) -> list[dict]:
    """The drawn items of an SVG task: {el, type (letter|digit|shape), text (the letter/digit or
    circle|rectangle|triangle), color (fill), size (large|small)}."""
    out = []
    for e in obs.dom:
        a = obs.attrs(e.ref)
        tag = e.tag.lower()
        if tag == "text" and e.text:
            px = float(re.sub(r"[^\d.]", "", a.get("font-size", "0")) or 0)
            kind = "digit" if e.text in DIGITS else "letter"
            out.append({"el": e, "type": kind, "text": e.text, "color": a.get("fill", ""),
                        "size": "large" if px > 15 else "small"})
        elif tag in SHAPE_TAGS:
            if tag == "rect":
                dim = float(a.get("width", 0))
            elif tag == "circle":
                dim = 2 * float(a.get("r", 0))
            else:
                xs = [float(p.split(",")[0]) for p in a.get("points", "").split() if "," in p]
                dim = max(xs) - min(xs) if xs else 0
            out.append({"el": e, "type": "shape", "text": SHAPE_TAGS[tag],
                        "color": a.get("fill", ""), "size": "large" if dim > 15 else "small"})
    return out


def parse_shape_desc(desc: str) -> tuple[str, str, str]:
    """'large red circle' -> ('large', 'red', 'circle'); missing parts are ''; 'item' = any."""
    words = desc.split()
    size = words.pop(0) if words and words[0].lower() in ("large", "small") else ""
    colour = words.pop(0) if words and words[0].lower() in COLOURS else ""
    what = " ".join(words) or "item"
    return size.lower(), colour.lower(), what


def matches(item: dict, desc: tuple[str, str, str]) -> bool:
    size, colour, what = desc
    return (not size or item["size"] == size) and (not colour or item["color"] == colour) and \
        (what == "item" or what in (item["text"], item["type"]))


@skill
def click_described_shape(s, desc: str):
    want = parse_shape_desc(desc)
    hits = [it for it in svg_items(s.obs) if matches(it, want)]
    if not hits:
        raise SkillError(f"no item looks like {desc!r}")
    s.say(f"click the {desc}", hits[0]["el"])
    yield Action.click(hits[0]["el"].ref)


@planner("click-shape")
def plan_click_shape(u: str) -> list[Skill]:
    # 'Click on a large digit'
    return [click_described_shape(_rx(r"Click on an? (.+?)\.?$", u, "click-shape").group(1))]


@skill
def count_shapes(s, desc: str):
    want = parse_shape_desc(desc)
    n = sum(matches(it, want) for it in svg_items(s.obs))
    b = find_button(s.obs, str(n))
    s.say(f"click {n}", b)
    yield Action.click(b.ref)


@planner("count-shape")
def plan_count_shape(u: str) -> list[Skill]:
    # 'How many aqua items are there?' (the description's last word takes a plural "s")
    desc = _rx(r"How many (.+?) are there", u, "count-shape").group(1)
    return [count_shapes(desc[:-1] if desc.endswith("s") else desc)]


@skill
def identify_shape(s):
    items = svg_items(s.obs)
    if not items:
        raise SkillError("no figure")
    it = items[0]
    label = {"digit": "Number", "letter": "Letter"}.get(it["type"], it["text"].capitalize())
    b = find_button(s.obs, label)
    s.say(f"click {label}", b, it["el"])
    yield Action.click(b.ref)


@planner("identify-shape")
def plan_identify_shape(u: str) -> list[Skill]:
    # 'Click the button that best describes the figure below.'
    return [identify_shape()]


# ---------------------------------------------------------------------------------------------
# Grids and games

@skill
def click_grid_point(s, x: int, y: int):
    """Click the circle at (x, y) of a Cartesian grid drawn with one circle per integer point:
    columns are read from the circles' positions (left to right = increasing x, top to bottom =
    decreasing y), centred on the middle column/row."""
    circles = [e for e in s.obs.dom if e.tag.lower() == "circle"]
    xs = sorted({round(e.center[0]) for e in circles})
    ys = sorted({round(e.center[1]) for e in circles})
    if not xs or len(xs) % 2 == 0 or len(ys) % 2 == 0:
        raise SkillError("no odd-sized grid of circles")
    cx, cy = xs[len(xs) // 2 + x], ys[len(ys) // 2 - y]
    hit = next(e for e in circles if round(e.center[0]) == cx and round(e.center[1]) == cy)
    s.say(f"click ({x},{y})", hit)
    yield Action.click(hit.ref)


@planner("grid-coordinate")
def plan_grid_coordinate(u: str) -> list[Skill]:
    # 'Click on the grid coordinate (-2,-1).'
    m = _rx(r"\((-?\d+),\s*(-?\d+)\)", u, "grid-coordinate")
    return [click_grid_point(int(m.group(1)), int(m.group(2)))]


LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]


def winner(board: tuple) -> int:
    for a, b, c in LINES:
        if board[a] and board[a] == board[b] == board[c]:
            return board[a]
    return 0


def _threat(board: tuple, who: int) -> list[int]:
    """Cells that complete a line of `who` (two of `who` and an empty cell)."""
    return [c for line in LINES for c in line
            if board[c] == 0 and sum(board[x] == who for x in line) == 2]


_MEMO: dict = {}


def win_chance(board: tuple, to_move: int, random_share: float = 0.55) -> float:
    """Probability that X (+1) wins from `board` with X playing best and O (-1) playing as
    MiniWoB's opponent does: a random free cell with probability `random_share`, else a cell
    that wins for O, else one that blocks X, else random."""
    key = (board, to_move)
    if key in _MEMO:
        return _MEMO[key]
    w = winner(board)
    free = [i for i in range(9) if board[i] == 0]
    if w or not free:
        v = 1.0 if w == 1 else 0.0
    elif to_move == 1:
        v = max(win_chance(board[:i] + (1,) + board[i + 1:], -1) for i in free)
    else:
        def after(i):
            return win_chance(board[:i] + (-1,) + board[i + 1:], 1)
        uniform = sum(after(i) for i in free) / len(free)
        smart = _threat(board, -1) or _threat(board, 1)
        smart_v = after(smart[-1]) if smart else uniform
        v = random_share * uniform + (1 - random_share) * smart_v
    _MEMO[key] = v
    return v


@skill
def play_tic_tac_toe(s, turns: int = 6):
    """Play X: read the board from the cells' mark classes and take the move with the best
    chance to win against MiniWoB's opponent (`win_chance`)."""
    for _ in range(turns):
        cells = sorted((e for e in s.obs.dom if re.fullmatch(r"ttt-\d", e.id)),
                       key=lambda e: (round(e.top), round(e.left)))
        if len(cells) != 9:
            return
        board = tuple(1 if "mark-x" in e.classes else -1 if "mark-o" in e.classes else 0
                      for e in cells)
        free = [i for i in range(9) if board[i] == 0]
        if not free or winner(board):
            return
        best = max(free, key=lambda i: win_chance(board[:i] + (1,) + board[i + 1:], -1))
        s.say(f"mark cell {best}", cells[best])
        yield Action.click(cells[best].ref)


@planner("tic-tac-toe")
def plan_tic_tac_toe(u: str) -> list[Skill]:
    # "Playing as 'X', win a game of tic-tac-toe."
    return [play_tic_tac_toe()]


# ---------------------------------------------------------------------------------------------
# Social media

ICON_ACTIONS = ("reply", "retweet", "like", "share")


def posts_by(obs, user: str) -> list:
    """The `.media` posts whose username reads `user` (e.g. "@leo"), in page order."""
    return [m for m in obs.dom if "media" in m.classes.split()
            and any("username" in e.classes.split() and e.text == user for e in obs.subtree(m.ref))]


def _icon(obs, post, label: str):
    cls = label.lower()
    return next((e for e in obs.subtree(post.ref) if cls in e.classes.split()), None)


@skill
def post_action(s, user: str, label: str, amount: int | None = 1, then_submit: bool = False):
    """On `amount` posts by `user` (None = all) press the control `label`: an icon (Reply,
    Retweet, Like, Share: the span with that class) or an item of the post's "more" menu (its text
    starts with `label`). Icons already pressed ("active") count and are not toggled off."""
    posts = posts_by(s.obs, user)
    if not posts:
        raise SkillError(f"no post by {user}")
    want = len(posts) if amount is None else amount
    menu_labels = {"share via dm", "copy link to tweet", "embed tweet", "mute", "block", "report"}
    if label.lower() in ICON_ACTIONS and label.lower() not in menu_labels:
        # icons take their size from CSS images: wait until the page has drawn them
        yield from wait_for(s, lambda obs: _icon(obs, posts[0], label), f"the {label} icon")
    if label.lower() in ICON_ACTIONS and _icon(s.obs, posts[0], label) is not None:
        done = 0
        for post in posts:
            if done >= want:
                break
            icon = _icon(s.obs, post, label)
            if "active" not in icon.classes.split():
                s.say(f'click "{label}" on a post by {user}', icon, post)
                yield Action.click(icon.ref)
            done += 1
    else:
        post = posts[0]
        more = yield from wait_for(s, lambda obs: next(
            (e for e in obs.subtree(post.ref) if "more" in e.classes.split()), None),
            "the more button")
        s.say(f"open the menu of a post by {user}", more, post)
        yield Action.click(more.ref)
        item = yield from wait_for(s, lambda obs: next(
            (e for e in obs.subtree(post.ref) if e.tag == "LI"
             and norm(e.text).lower().startswith(label.lower())), None), f"menu item {label!r}")
        s.say(f'click "{label}"', item, post)
        yield Action.click(item.ref)
    if then_submit:
        b = find_button(s.obs, "Submit")
        s.say("click Submit", b)
        yield Action.click(b.ref)


@planner("social-media")
def plan_social_media(u: str) -> list[Skill]:
    # 'For the user @leo, click on the "Mute" button.'
    m = _rx(r'For the user (@\S+?),? click on the "([^"]+)" button', u, "social-media")
    return [post_action(m.group(1), m.group(2))]


@planner("social-media-all")
def plan_social_media_all(u: str) -> list[Skill]:
    # 'Click the "Reply" button on all posts by @dis and then click Submit.'
    m = _rx(r'Click the "([^"]+)" button on all posts by (@\S+?) and', u, "social-media-all")
    return [post_action(m.group(2), m.group(1), None, then_submit=True)]


@planner("social-media-some")
def plan_social_media_some(u: str) -> list[Skill]:
    # 'Click the "Reply" button on 2 posts by @dis and then click Submit.'
    m = _rx(r'Click the "([^"]+)" button on (\d+) posts? by (@\S+?) and', u, "social-media-some")
    return [post_action(m.group(3), m.group(1), int(m.group(2)), then_submit=True)]


# ---------------------------------------------------------------------------------------------
# Email inbox

def _thread_of(obs, sender: str):
    """The inbox row (`.email-thread`) whose sender reads `sender`."""
    for t in obs.dom:
        if "email-thread" in t.classes.split() and any(
                "email-sender" in e.classes.split() and norm(obs.subtree_text(e.ref)) == sender
                for e in obs.subtree(t.ref)):
            return t
    raise SkillError(f"no email from {sender!r}")


@skill
def email_icon(s, sender: str, icon: str):
    """Click the trash or star icon on the inbox row of `sender`'s email."""
    row = _thread_of(s.obs, sender)
    e = yield from wait_for(s, lambda obs: next(
        (x for x in obs.subtree(row.ref) if icon in x.classes.split()), None), f"the {icon} icon")
    s.say(f"click the {icon} icon of the email from {sender}", e, row)
    yield Action.click(e.ref)


@skill
def email_reply(s, sender: str, text: str):
    """Open `sender`'s email, press Reply, type `text`, send."""
    row = _thread_of(s.obs, sender)
    s.say(f"open the email from {sender}", row)
    yield Action.click(row.ref)
    b = yield from wait_for(s, lambda obs: next(iter(find_all(obs, classes="email-reply")), None),
                            "the reply button")
    s.say("click reply", b)
    yield Action.click(b.ref)
    box = find(s.obs, id="reply-text")
    s.say("type the reply", box)
    yield Action.type(box.ref, text)
    send = yield from wait_for(s, lambda obs: next(iter(find_all(obs, id="send-reply")), None),
                               "the send button")
    s.say("click send", send)
    yield Action.click(send.ref)


@skill
def email_forward(s, sender: str, dest: str):
    row = _thread_of(s.obs, sender)
    s.say(f"open the email from {sender}", row)
    yield Action.click(row.ref)
    b = yield from wait_for(s, lambda obs: next(iter(find_all(obs, classes="email-forward")),
                                                 None), "the forward button")
    s.say("click forward", b)
    yield Action.click(b.ref)
    box = find(s.obs, classes="forward-sender")
    s.say("type the recipient", box)
    yield Action.type(box.ref, dest)
    send = yield from wait_for(s, lambda obs: next(iter(find_all(obs, id="send-forward")), None),
                               "the send button")
    s.say("click send", send)
    yield Action.click(send.ref)


def _email_plan(action: str, name: str, other: str | None) -> list[Skill]:
    if action == "reply":
        return [email_reply(name, other)]
    if action == "forward":
        return [email_forward(name, other)]
    return [email_icon(name, "trash" if action == "delete" else "star")]


@planner("email-inbox")
def plan_email_inbox(u: str) -> list[Skill]:
    # 'Find the email by Ann and reply to them with the text "x y".' / '... forward that email
    #  to Bo.' / '... click the trash icon to delete it.' / '... click the star icon ...'
    name = _rx(r"Find the email by (.+?) and ", u, "email-inbox").group(1)
    if "reply to them" in u:
        return _email_plan("reply", name, _rx(r'with the text "(.*)"', u, "email-inbox").group(1))
    if "forward that email" in u:
        return _email_plan("forward", name,
                           _rx(r"forward that email to (.+?)\.?$", u, "email-inbox").group(1))
    return _email_plan("delete" if "trash" in u else "important", name, None)


_NL_TEMPLATES: list | None = None


def nl_templates() -> list[tuple[str, re.Pattern]]:
    """(action, regex) for every instruction template of MiniWoB's email-inbox-nl tasks (the
    grammar of the instructions, shipped with miniwob in common/special/email-inbox-nl)."""
    global _NL_TEMPLATES
    if _NL_TEMPLATES is None:
        import json

        from workbench.web.env import _miniwob_html

        src = (_miniwob_html() / "common" / "special" / "email-inbox-nl" /
               "templates.js").read_text()
        data = json.loads(src[src.index("{"): src.rindex("}") + 1])
        out = []
        for action, splits in data.items():
            for t in splits["train"] + splits["test"]:
                body = re.escape(t.strip())
                for key, grp in (("NAME", "name"), ("DEST", "dest"), ("MSG", "msg")):
                    body = body.replace(key, f"(?P<{grp}>.+?)", 1)
                out.append((action, re.compile(r"^\s*" + body + r"\s*$")))
        _NL_TEMPLATES = out
    return _NL_TEMPLATES


@skill
def email_nl(s, utterance: str):
    """Read a free-form email instruction with the task's templates; among the templates that fit,
    prefer one whose NAME is a sender in the inbox, then the literal reading, then the shortest
    fill-ins."""
    senders = {norm(s.obs.subtree_text(e.ref)) for e in s.obs.dom
               if "email-sender" in e.classes.split()}
    best = None
    for action, rx in nl_templates():
        m = rx.match(utterance)
        if not m:
            continue
        g = m.groupdict()
        # a few templates swap the roles ("Find the email from DEST and forward it to NAME");
        # when both readings name inbox senders, take the literal one (sender first)
        swapped = g.get("dest") is not None and m.start("dest") < m.start("name")
        key = (g["name"] not in senders, swapped, sum(len(v) for v in g.values() if v))
        if best is None or key < best[0]:
            best = (key, action, g)
    if best is None:
        raise SkillError(f"no template fits {utterance!r}")
    _, action, g = best
    plan = _email_plan(action, g["name"], g.get("msg") if action == "reply" else g.get("dest"))
    yield from plan[0]._fn(s, *plan[0]._args)


@planner("email-inbox-nl-turk")
def plan_email_inbox_nl_turk(u: str) -> list[Skill]:
    return [email_nl(u)]


# ---------------------------------------------------------------------------------------------
# Date picker

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


@skill
def pick_date(s, month: int, day: int, year: int, clicks: int = 40):
    """Open a jQuery-UI date picker (click its input), page with Prev/Next until the calendar
    shows `month`/`year` (read from its title), click the day."""
    box = find(s.obs, classes="hasDatepicker")
    s.say("open the calendar", box)
    yield Action.click(box.ref)
    for _ in range(clicks):
        title_m, title_y = yield from wait_for(s, _calendar_title, "the calendar")
        shown = (int(title_y[0].text), MONTHS.index(title_m[0].text.strip()) + 1)
        if shown == (year, month):
            days = [e for e in s.obs.dom if e.tag == "A" and e.text == str(day)
                    and "ui-state-default" in e.classes.split()]
            if not days:
                raise SkillError(f"day {day} is not selectable")
            s.say(f"click day {day}", days[0])
            yield Action.click(days[0].ref)
            return
        cls = "ui-datepicker-prev" if shown > (year, month) else "ui-datepicker-next"
        arrow = find(s.obs, classes=cls)
        s.say("previous month" if cls.endswith("prev") else "next month", arrow)
        yield Action.click(arrow.ref)
    raise SkillError("calendar did not reach the month")


def _calendar_title(obs):
    """The month and year elements of a showing jQuery-UI date picker, None while it is hidden."""
    m, y = find_all(obs, classes="ui-datepicker-month"), find_all(obs, classes="ui-datepicker-year")
    return (m, y) if m and y else None


def plan_choose_date(u: str) -> list[Skill]:
    # 'Select 03/05/2016 as the date and hit submit.'
    m = _rx(r"(\d\d)/(\d\d)/(\d{4})", u, "choose-date")
    return [pick_date(int(m.group(1)), int(m.group(2)), int(m.group(3))), submit()]


for _t in ("choose-date", "choose-date-easy", "choose-date-medium"):
    PLANNERS[_t] = plan_choose_date


# ---------------------------------------------------------------------------------------------
# Book a flight

@skill
def autocomplete_pick(s, field_id: str, text: str, timeout_s: float = WAIT_TIMEOUT_S):
    """Type `text` into an autocomplete input and click the suggestion that names it: an airport
    code as "(CODE)", a city as the suggestion's start (see `choose_suggestion`)."""
    box = find(s.obs, id=field_id)
    s.say(f"type {text}", box)
    yield Action.type(box.ref, text)
    code = re.fullmatch(r"[A-Z]{3}", text) is not None
    yield from choose_suggestion(
        s, field_id, lambda t: f"({text})" in t if code else t.startswith(text),
        f"a suggestion for {text!r}", timeout_s)


def _minutes(text: str) -> int:
    m = re.search(r"(\d+)h\s*(\d+)m", text)
    return int(m.group(1)) * 60 + int(m.group(2)) if m else 10 ** 9


@skill
def book_best_flight(s, criterion: str):
    """Among the listed flights click "Book" on the cheapest (its price on the button) or the
    shortest (its duration, "Xh Ym")."""
    flights = [e for e in s.obs.dom if "flight" in e.classes.split()]
    if not flights:
        raise SkillError("no flights listed")

    def key(f):
        sub = s.obs.subtree(f.ref)
        if criterion == "cheapest":
            price = next(e for e in sub if "flight-price" in e.classes.split())
            return int(re.sub(r"\D", "", s.obs.subtree_text(price.ref)) or 10 ** 9)
        return _minutes(" ".join(e.text for e in sub if "time-duration" in e.classes.split()))

    best = min(flights, key=key)
    button = next(e for e in s.obs.subtree(best.ref) if "flight-price" in e.classes.split())
    s.say(f"book the {criterion} flight", button, best)
    yield Action.click(button.ref)


@planner("book-flight")
def plan_book_flight(u: str) -> list[Skill]:
    # 'Book the shortest one-way flight from: Cincinnati, OH to: LEX on 10/16/2016.'
    m = _rx(r"Book the (cheapest|shortest) one-way flight from: (.+?) to: (.+?) on "
            r"(\d\d)/(\d\d)/(\d{4})", u, "book-flight")
    return [autocomplete_pick("flight-from", m.group(2)), autocomplete_pick("flight-to", m.group(3)),
            pick_date(int(m.group(4)), int(m.group(5)), int(m.group(6))), submit("Search"),
            book_best_flight(m.group(1))]


# ---------------------------------------------------------------------------------------------
# Multi-select list box

@skill
def select_in_listbox(s, names: list[str]):
    """Select exactly `names` in a multi-select list box with the keyboard: type the first name
    (type-ahead selects the first option starting with it; arrow keys correct a prefix clash),
    then for each further name move the active option with Ctrl+arrows and toggle it with
    Ctrl+Space (an element click does not select options)."""
    sel = find(s.obs, tag="SELECT")
    texts = [e.text for e in s.obs.dom if e.tag == "OPTION" and e.parent == sel.ref]
    missing = [n for n in names if n not in texts]
    if missing:
        raise SkillError(f"no option {missing[0]!r}")
    s.say(f'choose "{names[0]}"', sel)
    yield Action.type(sel.ref, names[0])
    at = next(i for i, t in enumerate(texts) if t.lower().startswith(names[0].lower()))
    target = texts.index(names[0])
    while at != target:
        s.say(f'move to "{names[0]}"', sel)
        yield Action.press_key("<ArrowDown>" if at < target else "<ArrowUp>")
        at += 1 if at < target else -1
    for name in names[1:]:
        target = texts.index(name)
        while at != target:
            s.say(f'move to "{name}"', sel)
            yield Action.press_key("C-<ArrowDown>" if at < target else "C-<ArrowUp>")
            at += 1 if at < target else -1
        s.say(f'also choose "{name}"', sel)
        yield Action.press_key("C-<Space>")


@planner("click-scroll-list")
def plan_click_scroll_list(u: str) -> list[Skill]:
    # 'Select Grenada, Korea from the scroll list and click Submit.'
    names = _rx(r"Select (.+?) from the scroll list", u, "click-scroll-list").group(1)
    return [select_in_listbox([n.strip() for n in names.split(", ")]), submit()]


# email-inbox-forward-nl-turk draws its instructions from the same template file (forward only)
PLANNERS["email-inbox-forward-nl-turk"] = plan_email_inbox_nl_turk
