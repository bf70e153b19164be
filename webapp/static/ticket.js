// /ticket: a work order's progress by its number and the contact phone's last four digits.
(function () {
  "use strict";
  var form = document.getElementById("lookup");
  var number = document.getElementById("number");
  var last4 = document.getElementById("last4");
  var error = document.getElementById("error");
  var result = document.getElementById("result");
  var busy = false;

  var given = new URLSearchParams(location.search).get("number");
  if (given) number.value = given;

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  // The city's (Beijing) time, whatever the device's zone: the order's times are official records.
  function when(iso) {
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "numeric", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "年" + parts.month + "月" + parts.day + "日 " + parts.hour + ":" + parts.minute;
  }
  function show(order) {
    var card = el("section", null, "card status-card");
    card.setAttribute("aria-label", "工单进度");
    card.appendChild(el("h2", "工单 " + order.number));
    var list = el("dl");
    [["当前状态", order.status], ["类型", order.kind], ["承办部门", order.department],
     ["受理时间", when(order.created_at)], ["办理时限", order.due_at ? when(order.due_at) : ""]].forEach(function (pair) {
      if (!pair[1]) return;
      list.appendChild(el("dt", pair[0]));
      list.appendChild(el("dd", pair[1]));
    });
    card.appendChild(list);
    card.appendChild(el("h3", "办理过程"));
    var steps = el("ol", null, "timeline");
    steps.setAttribute("aria-label", "办理过程");
    order.timeline.forEach(function (step) {
      var item = el("li");
      item.appendChild(el("span", when(step.at), "when"));
      item.appendChild(el("span", step.action + (step.status && step.status !== step.action ? "（" + step.status + "）" : "")));
      if (step.note) item.appendChild(el("div", "答复：" + step.note));
      steps.appendChild(item);
    });
    card.appendChild(steps);
    clear(result);
    result.appendChild(card);
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (busy) return;
    error.textContent = "";
    if (!number.value.trim()) { error.textContent = "请输入工单号。"; number.focus(); return; }
    if (!/^\d{4}$/.test(last4.value.trim())) { error.textContent = "请输入联系电话的后四位数字。"; last4.focus(); return; }
    busy = true;
    fetch("/api/tickets/timeline", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ number: number.value.trim(), phone_last4: last4.value.trim() })
    }).then(function (res) {
      return res.json().then(function (body) {
        if (res.ok) { show(body); return; }
        clear(result);
        error.textContent = body.message || "查询失败，请稍后再试。";
      });
    }).catch(function () {
      error.textContent = "网络异常，请稍后再试。";
    }).then(function () { busy = false; });
  });
})();
