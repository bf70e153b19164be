// The 12345 chat page (also the embedded widget's panel, /?embed=1). No framework.
//
// The server keeps the transcript; this page keeps the conversation's signed token and the
// messages not yet delivered in localStorage, so a reload or a closed tab loses nothing. Each
// message carries its own id (client_id): a retry after a lost answer is answered once.
(function () {
  "use strict";

  var STORE_KEY = "hotline12345.v1";
  var GAP_MS = 5 * 60 * 1000; // a time separator when more than five minutes pass
  var POLL_MS = 3000; // while an agent may write (after a hand-off)
  var LONG_TEXT = 180; // characters before an answer is folded behind 展开全文
  var HOTLINES = {
    "12315": "市场监管投诉举报热线", "12333": "人力资源社会保障热线", "12329": "住房公积金热线",
    "12328": "交通运输服务热线", "12319": "城市管理服务热线", "12369": "生态环境举报热线",
    "12320": "卫生健康热线", "12393": "医疗保障热线", "12366": "纳税服务热线", "12348": "公共法律服务热线",
    "12358": "价格举报热线", "12338": "妇女维权热线", "12351": "职工维权热线"
  };
  var EMERGENCY = [["110", "报警"], ["119", "火警"], ["120", "急救"]];
  var GREETING = "您好，这里是12345政务服务便民热线智能助手。可以咨询政策和办事流程、反映问题，或查询工单进度。";
  var STARTERS = ["孩子出生要办哪些手续", "我要反映问题", "查询工单进度"];

  var log = document.getElementById("log");
  var form = document.getElementById("send");
  var input = document.getElementById("text");
  var elderButton = document.getElementById("elder");
  var state = parse(null);
  var useLocal = localStorageWorks();
  var bridgeOrigin = null; // the embedding page keeps our state when this frame may not (widget.js)
  var lastAt = 0;
  var lastId = 0;
  var shown = {}; // server message ids already on the page
  var typingRow = null;
  var pending = 0;
  var queue = Promise.resolve();
  var inFlight = {};
  var composing = false;
  var pollTimer = null;

  if (/[?&]embed=1/.test(location.search)) document.documentElement.classList.add("embed");

  // ------------------------------------------------------------------ storage
  // localStorage of this origin; in an embed whose browser denies a third-party frame its storage,
  // the widget script on the embedding page keeps it for us (postMessage, to that page only).
  function parse(json) {
    try {
      var saved = JSON.parse(json || "{}") || {};
      return { conversation: saved.conversation || null, outbox: saved.outbox || [], elder: !!saved.elder };
    } catch (e) {
      return { conversation: null, outbox: [], elder: false };
    }
  }
  function localStorageWorks() {
    try {
      localStorage.setItem(STORE_KEY + ".probe", "1");
      localStorage.removeItem(STORE_KEY + ".probe");
      return true;
    } catch (e) {
      return false;
    }
  }
  function save() {
    var json = JSON.stringify(state);
    if (useLocal) {
      try { localStorage.setItem(STORE_KEY, json); } catch (e) { /* full: memory only */ }
    } else if (bridgeOrigin) {
      window.parent.postMessage({ type: "hotline12345:save", state: json }, bridgeOrigin);
    }
  }
  function boot(start) {
    if (useLocal || window.parent === window) {
      if (useLocal) state = parse(localStorage.getItem(STORE_KEY));
      start();
      return;
    }
    var started = false;
    window.addEventListener("message", function (ev) {
      if (ev.source !== window.parent || !ev.data || ev.data.type !== "hotline12345:state") return;
      bridgeOrigin = ev.origin;
      if (started) return;
      started = true;
      state = parse(ev.data.state);
      start();
    });
    window.parent.postMessage({ type: "hotline12345:hello" }, "*");
    setTimeout(function () { if (!started) { started = true; start(); } }, 1500);
  }
  function newId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ------------------------------------------------------------------ DOM helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function scrollDown() { log.scrollTop = log.scrollHeight; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(date) { return pad(date.getHours()) + ":" + pad(date.getMinutes()); }
  function dayTime(date) {
    var today = new Date();
    var sameDay = date.toDateString() === today.toDateString();
    return (sameDay ? "" : (date.getMonth() + 1) + "月" + date.getDate() + "日 ") + clock(date);
  }
  // A work order's times are the city's (Beijing) time, whatever the device's zone.
  function cityTime(iso) {
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: "Asia/Shanghai", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.month + "月" + parts.day + "日 " + parts.hour + ":" + parts.minute;
  }
  function separator(at) {
    var time = at ? new Date(at).getTime() : Date.now();
    if (!lastAt || time - lastAt > GAP_MS) log.appendChild(el("div", { class: "time", text: dayTime(new Date(time)) }));
    lastAt = Math.max(lastAt, time);
  }
  function row(kind, parts, who) {
    var avatar = el("div", { class: "avatar", "aria-hidden": "true", text: kind === "user" ? "我" : kind === "agent" ? "人" : "12345" });
    var label = kind === "user" ? "我" : kind === "agent" ? (who ? "人工客服 " + who : "人工客服") : "智能助手";
    var stack = el("div", { class: "stack" }, [el("span", { class: kind === "bot" ? "sr-only" : kind === "agent" ? "who" : "sr-only", text: label + "：" })].concat(parts));
    var node = el("div", { class: "row " + kind }, [avatar, stack]);
    log.insertBefore(node, typingRow && typingRow.parentNode === log ? typingRow : null);
    return node;
  }

  // ------------------------------------------------------------------ typing indicator
  function typing(on) {
    pending += on ? 1 : -1;
    if (pending > 0 && !typingRow) {
      typingRow = el("div", { class: "row bot typing", role: "status", "aria-label": "助手正在输入" }, [
        el("div", { class: "avatar", "aria-hidden": "true", text: "12345" }),
        el("div", { class: "stack" }, [el("div", { class: "bubble" }, [el("span", { class: "dot" }), el("span", { class: "dot" }), el("span", { class: "dot" })])])
      ]);
      log.appendChild(typingRow);
      scrollDown();
    } else if (pending <= 0 && typingRow) {
      typingRow.remove();
      typingRow = null;
      pending = 0;
    }
  }

  // ------------------------------------------------------------------ rich replies
  function cleanText(text, custom) {
    // The source line is shown as a card when the payload carries the source.
    if (custom && custom.knowledge && custom.knowledge.source) {
      text = text.split("\n").filter(function (line) { return line.indexOf("来源：") !== 0; }).join("\n");
    }
    return text.replace(/\s+$/, "");
  }
  function textBubble(text) {
    var bubble = el("div", { class: "bubble", text: text });
    if (text.length <= LONG_TEXT) return [bubble];
    bubble.classList.add("clamped");
    var more = el("button", { class: "more", type: "button", "aria-expanded": "false", text: "展开全文" });
    more.addEventListener("click", function () {
      var open = bubble.classList.toggle("clamped") === false;
      more.setAttribute("aria-expanded", String(open));
      more.textContent = open ? "收起" : "展开全文";
    });
    return [bubble, more];
  }
  function definitions(pairs) {
    var list = el("dl");
    pairs.forEach(function (pair) {
      if (pair[1]) { list.appendChild(el("dt", { text: pair[0] })); list.appendChild(el("dd", { text: pair[1] })); }
    });
    return list;
  }
  function sourceCard(source) {
    return el("section", { class: "card source", "aria-label": "答案来源" }, [
      el("h2", { text: "来源" }),
      definitions([
        ["文件", "《" + source.title + "》"], ["文号", source.doc_number], ["发布单位", source.issuer],
        ["条款", source.section], ["责任部门", source.department], ["有效期至", source.valid_to]
      ])
    ]);
  }
  // Folded under a first answer (the answer itself says what to ask next); open when the caller
  // asked for the whole guide, its steps or its materials.
  function guideCard(guide, open) {
    var steps = guide.steps || [], materials = guide.materials || [];
    var counts = [steps.length ? steps.length + "步" : "", materials.length ? materials.length + "项材料" : ""].filter(Boolean).join("，");
    var parts = [el("summary", {}, [el("h2", { text: "办事步骤和材料清单" }), el("span", { class: "counts", text: counts })])];
    if (steps.length) {
      parts.push(el("h3", { class: "sr-only", text: "办理步骤" }));
      parts.push(el("ol", { "aria-label": "办理步骤" }, steps.map(function (step) { return el("li", { text: step }); })));
    }
    if (materials.length) {
      parts.push(el("p", { text: "材料清单（可勾选已准备好的）：" }));
      parts.push(el("ul", { "aria-label": "材料清单" }, materials.map(function (item) {
        return el("li", {}, [el("label", {}, [el("input", { type: "checkbox" }), el("span", { text: item })])]);
      })));
    }
    return el("details", { class: "card guide", open: !!open }, parts);
  }
  function workOrderCard(order) {
    var number = order.number || order.reference;
    var link = "/ticket?number=" + encodeURIComponent(number || "");
    return el("section", { class: "card order", "aria-label": "工单信息" }, [
      el("h2", { text: order.pending ? "诉求已记录" : "工单已受理" }),
      definitions([
        ["工单号", order.number], ["受理编号", order.reference], ["类型", order.kind],
        ["承办部门", order.department || (order.pending ? "" : "待确认")], ["状态", order.pending ? "待生成工单号" : order.status || "已受理"]
      ]),
      el("div", { class: "actions" }, [el("a", { class: "button-link", href: link, target: "_blank", rel: "noopener", text: "查看办理进度" })])
    ]);
  }
  function timelineList(steps) {
    return el("ol", { class: "timeline", "aria-label": "办理过程" }, (steps || []).map(function (step) {
      var what = step.action + (step.status && step.status !== step.action ? "（" + step.status + "）" : "");
      return el("li", {}, [
        el("span", { class: "when", text: cityTime(step.at) }),
        el("span", { text: what }),
        step.note ? el("div", { text: "答复：" + step.note }) : null
      ]);
    }));
  }
  function statusCard(status) {
    return el("section", { class: "card status-card", "aria-label": "工单进度" }, [
      el("h2", { text: "工单 " + status.number }),
      definitions([["当前状态", status.status], ["承办部门", status.department]]),
      timelineList(status.timeline)
    ]);
  }
  function emergencyCard(emergency) {
    var calls = [el("a", { class: "call", href: "tel:" + emergency.number, text: "拨打 " + emergency.number })];
    EMERGENCY.forEach(function (pair) {
      if (pair[0] !== emergency.number) calls.push(el("a", { class: "call secondary", href: "tel:" + pair[0], text: pair[1] + " " + pair[0] }));
    });
    return el("section", { class: "card emergency", role: "alert", "aria-label": "紧急求助" }, [
      el("h2", { text: "紧急情况请立即拨打 " + emergency.number }), el("div", { class: "actions" }, calls)
    ]);
  }
  function hotlineCards(text) {
    var found = {};
    // No lookbehind: Safari before 16.4 (older iPhones' WeChat) cannot even parse it.
    var pattern = /(^|\D)(123\d\d)(?!\d)/g;
    var match;
    while ((match = pattern.exec(text))) { if (HOTLINES[match[2]]) found[match[2]] = true; }
    return Object.keys(found).map(function (number) {
      return el("section", { class: "card hotline", "aria-label": HOTLINES[number] }, [
        el("h2", { text: HOTLINES[number] }),
        el("div", { class: "actions" }, [el("a", { class: "call", href: "tel:" + number, text: "拨打 " + number })])
      ]);
    });
  }
  function handoffCard(handoff) {
    return el("section", { class: "card handoff", role: "status" }, [
      el("h2", { text: handoff.queued === false ? "人工客服暂时忙" : "正在为您转接人工客服" }),
      el("p", { text: handoff.queued === false ? "请稍后再试，或直接拨打12345。" : "请稍候，工作人员接入后会在这里回复您。" })
    ]);
  }

  function chips(options) {
    var group = el("div", { class: "chips", role: "group", "aria-label": "快捷回复" });
    options.forEach(function (option) {
      group.appendChild(el("button", {
        class: "chip", type: "button", text: option.title,
        onclick: function () { disableOlderChoices(); send(option.payload, option.title); }
      }));
    });
    return group;
  }
  function stars(options) {
    var wrap = el("div", { class: "rating", role: "group", "aria-label": "为本次服务打分" }, [el("span", { class: "rating-label", text: "点星星为本次服务打分" })]);
    var line = el("div", { class: "stars" });
    for (var score = 1; score <= 5; score++) {
      (function (score) {
        var star = el("button", { class: "star chip-like", type: "button", "aria-label": score + "星", text: "★" });
        star.addEventListener("mouseenter", function () { light(line, score); });
        star.addEventListener("focus", function () { light(line, score); });
        star.addEventListener("click", function () {
          light(line, score);
          disableOlderChoices();
          var option = options.filter(function (o) { return o.payload.indexOf(String(score)) === 0; })[0];
          send(option ? option.payload : score + "分", score + "星");
        });
        line.appendChild(star);
      })(score);
    }
    line.addEventListener("mouseleave", function () { light(line, 0); });
    wrap.appendChild(line);
    return wrap;
  }
  function light(line, score) {
    Array.prototype.forEach.call(line.children, function (star, i) { star.classList.toggle("on", i < score); });
  }
  function ratedStars(score) {
    var line = el("div", { class: "stars", role: "img", "aria-label": "您的评价：" + score + "星" });
    for (var i = 1; i <= 5; i++) line.appendChild(el("span", { class: "star" + (i <= score ? " on" : ""), "aria-hidden": "true", text: "★" }));
    return el("section", { class: "card rated" }, [el("h2", { text: "感谢您的评价" }), line]);
  }
  function isRating(buttons) {
    return buttons.length >= 3 && buttons.every(function (b) { return /^[1-5]分$/.test(String(b.payload)); });
  }
  function spokenChoices(text) {
    // "请说“对”…“不对”": the words the dialogue asks for become buttons.
    var found = [];
    var pattern = /说[“"]([^”"]{1,8})[”"]/g;
    var match;
    while ((match = pattern.exec(text))) {
      if (found.indexOf(match[1]) < 0 && !/[0-9…]/.test(match[1])) found.push(match[1]);
    }
    var choices = found.map(function (word) { return { title: word, payload: word }; });
    // "需要完整的办事指南吗？": a bare "好" sends the rest (actions/answer.py offered_full_guide).
    if (/需要完整的?(办事指南|内容)吗？\s*$/.test(text)) {
      choices.push({ title: "看完整指南", payload: "好" }, { title: "不用了", payload: "不用了" });
    }
    return choices;
  }
  function disableOlderChoices(keepLast) {
    var rows = log.querySelectorAll(".row.bot");
    var last = keepLast ? rows[rows.length - 1] : null;
    Array.prototype.forEach.call(log.querySelectorAll(".chip, .star.chip-like"), function (b) {
      if (!last || !last.contains(b)) b.disabled = true;
    });
  }

  function renderBot(message, live) {
    var custom = message.custom && typeof message.custom === "object" ? message.custom : {};
    var parts = [];
    var text = cleanText(message.text || "", custom);
    if (text) parts = parts.concat(textBubble(text));
    var knowledge = custom.knowledge || {};
    if (knowledge.guide) parts.push(guideCard(knowledge.guide, ["full", "steps", "materials"].indexOf(knowledge.facet) >= 0));
    if (knowledge.source) parts.push(sourceCard(knowledge.source));
    if (custom.emergency) parts.push(emergencyCard(custom.emergency));
    if (custom.work_order) parts.push(workOrderCard(custom.work_order));
    if (custom.ticket_status) parts.push(statusCard(custom.ticket_status));
    if (custom.satisfaction) parts.push(ratedStars(custom.satisfaction.score));
    if (custom.handoff) { parts.push(handoffCard(custom.handoff)); if (live !== false) startPolling(); }
    if (!custom.emergency) parts = parts.concat(hotlineCards(message.text || ""));
    var buttons = Array.isArray(message.buttons) ? message.buttons : [];
    if (buttons.length && isRating(buttons)) parts.push(stars(buttons));
    else if (buttons.length) parts.push(chips(buttons));
    else if (!custom.work_order && !custom.satisfaction) {
      var spoken = spokenChoices(message.text || "");
      if (spoken.length) parts.push(chips(spoken));
    }
    if (!parts.length) return null;
    return row("bot", parts);
  }
  function renderAgent(message) {
    return row("agent", [el("div", { class: "bubble", text: message.text || "" })], message.agent);
  }

  // ------------------------------------------------------------------ user messages
  function renderUser(item) {
    var bubble = el("div", { class: "bubble", text: item.display || item.text });
    var status = el("div", { class: "status" });
    var node = row("user", [bubble, status]);
    node.dataset.cid = item.cid;
    return node;
  }
  function markSending(node) {
    clear(node.querySelector(".status"));
    node.setAttribute("aria-busy", "true");
  }
  function markSent(node) {
    clear(node.querySelector(".status"));
    node.removeAttribute("aria-busy");
  }
  function markFailed(node, item, reason, retryable) {
    node.removeAttribute("aria-busy");
    var status = node.querySelector(".status");
    var parts = [el("span", { class: "failed-text", text: reason })];
    if (retryable) {
      parts.unshift(el("button", {
        class: "retry", type: "button", "aria-label": "发送失败，点击重新发送", title: "重新发送", text: "!",
        onclick: function (ev) { ev.currentTarget.disabled = true; deliver(item, node); }
      }));
    }
    clear(status);
    parts.forEach(function (part) { status.appendChild(part); });
  }

  function send(text, display) {
    text = (text || "").trim();
    if (!text) return;
    var item = { cid: newId(), text: text, display: display && display !== text ? display : undefined, at: new Date().toISOString() };
    state.outbox.push(item);
    save();
    separator(item.at);
    var node = renderUser(item);
    scrollDown();
    deliver(item, node);
  }

  function dropFromOutbox(cid) {
    state.outbox = state.outbox.filter(function (item) { return item.cid !== cid; });
    save();
  }

  // Deliveries run one after another, so replies come in the order the messages were written.
  function deliver(item, node) {
    if (inFlight[item.cid]) return;
    inFlight[item.cid] = true;
    markSending(node);
    queue = queue.then(function () { return attempt(item, node); }).then(function () { delete inFlight[item.cid]; });
  }

  function headers() {
    var h = { "Content-Type": "application/json" };
    if (state.conversation && state.conversation.token) h["X-Conversation-Token"] = state.conversation.token;
    return h;
  }

  function attempt(item, node, tries) {
    tries = tries || 0;
    typing(true);
    return fetch("/api/chat", {
      method: "POST", credentials: "same-origin", headers: headers(),
      body: JSON.stringify({ message: item.text, client_id: item.cid, display: item.display })
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) { return { res: res, body: body }; });
    }).then(function (answer) {
      typing(false);
      var res = answer.res, body = answer.body;
      if (res.status === 409 && tries < 30) {
        return new Promise(function (done) { setTimeout(done, 2000); }).then(function () { return attempt(item, node, tries + 1); });
      }
      if (!res.ok) {
        var retryable = res.status === 429 || res.status === 409 || res.status >= 500;
        if (!retryable) dropFromOutbox(item.cid);
        markFailed(node, item, body.message || "发送失败", retryable);
        return;
      }
      if (body.conversation) { state.conversation = body.conversation; }
      dropFromOutbox(item.cid);
      markSent(node);
      if (body.message_id) shown[body.message_id] = true;
      (body.replies || []).forEach(function (reply) { separator(); renderBot(reply); });
      (body.reply_ids || []).forEach(function (id) { shown[id] = true; lastId = Math.max(lastId, id); });
      if (body.message_id) lastId = Math.max(lastId, body.message_id);
      scrollDown();
    }, function () {
      typing(false);
      markFailed(node, item, "网络异常，消息未发出", true);
    });
  }

  // ------------------------------------------------------------------ restore and poll
  function renderStored(message, live) {
    if (shown[message.id]) return;
    shown[message.id] = true;
    lastId = Math.max(lastId, message.id);
    separator(message.at);
    if (message.role === "user") {
      renderUser({ cid: message.client_id || "", text: message.text, display: message.display });
    } else if (message.role === "agent") {
      renderAgent(message);
    } else {
      renderBot(message, live);
    }
  }
  function fetchHistory(after) {
    return fetch("/api/chat/history?after=" + (after || 0), { credentials: "same-origin", headers: headers() })
      .then(function (res) {
        if (res.status === 401) { if (state.conversation) { state.conversation = null; save(); } return []; }
        return res.ok ? res.json().then(function (body) { return body.messages || []; }) : [];
      });
  }
  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(function () {
      if (document.hidden || pending) return;
      fetchHistory(lastId).then(function (messages) {
        messages.forEach(function (m) { renderStored(m, false); });
        if (messages.length) scrollDown();
        // Embedded: the round button shows that someone wrote while the panel was closed.
        if (messages.length && window.parent !== window) {
          window.parent.postMessage({ type: "hotline12345:unread", count: messages.length }, bridgeOrigin || "*");
        }
      }, function () { /* try again at the next tick */ });
    }, POLL_MS);
  }

  function greet() {
    var greeting = row("bot", [el("div", { class: "bubble", text: GREETING }), chips(STARTERS.map(function (s) { return { title: s, payload: s }; }))]);
    greeting.classList.add("greeting");
  }

  function restore() {
    greet();
    // The token proves the conversation; without one, the server's HttpOnly cookie may still do.
    var ready = fetchHistory(0);
    return ready.then(function (messages) {
      var delivered = {};
      messages.forEach(function (m) { if (m.client_id) delivered[m.client_id] = true; });
      var handoff = false;
      messages.forEach(function (m) {
        renderStored(m, false);
        if (m.custom && m.custom.handoff && m.custom.handoff.queued) handoff = true;
      });
      if (messages.length) disableOlderChoices(true); // only the newest reply's choices still apply
      if (handoff) startPolling();
      // Messages written but not delivered before the reload: delivered ones are dropped, the
      // others come back with their retry control.
      state.outbox = state.outbox.filter(function (item) { return !delivered[item.cid]; });
      save();
      state.outbox.forEach(function (item) {
        separator(item.at);
        markFailed(renderUser(item), item, "未发送", true);
      });
      scrollDown();
    }, function () { /* offline: the greeting stands; sending will say so */ });
  }

  // ------------------------------------------------------------------ input, elder mode, keyboard
  function submitInput() {
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    resize();
    disableOlderChoices();
    send(text);
  }
  function resize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 120) + "px";
  }
  form.addEventListener("submit", function (ev) { ev.preventDefault(); submitInput(); });
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () { composing = false; });
  input.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || ev.shiftKey) return;
    // A Chinese IME uses Enter to confirm its candidate: that Enter is the IME's, not a send.
    if (ev.isComposing || composing || ev.keyCode === 229) return;
    ev.preventDefault();
    submitInput();
  });
  input.addEventListener("input", resize);

  function setElder(on) {
    document.documentElement.classList.toggle("elder", on);
    elderButton.setAttribute("aria-pressed", String(on));
    input.placeholder = on ? "请输入您的问题" : "请输入您要咨询或反映的问题";
    state.elder = on;
    save();
  }
  elderButton.addEventListener("click", function () { setElder(!state.elder); });

  // Keep the input bar above the on-screen keyboard (visualViewport shrinks when it opens).
  function fitViewport() {
    var height = window.visualViewport ? window.visualViewport.height : window.innerHeight;
    document.documentElement.style.setProperty("--vh", height + "px");
    scrollDown();
  }
  if (window.visualViewport) window.visualViewport.addEventListener("resize", fitViewport);
  window.addEventListener("resize", fitViewport);
  fitViewport();

  boot(function () {
    setElder(state.elder);
    restore();
  });
})();
