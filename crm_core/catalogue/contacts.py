"""Messages of logging a contact: the guided /log conversation, the one-line form and errors."""

MESSAGES: dict[str, dict[str, str]] = {
    "contacts.ask_customer": {
        "en": "Which customer? Type the name. Send /cancel to stop.",
        "zh": "哪位客户？请输入客户名称。发送 /cancel 可取消。",
    },
    "contacts.did_you_mean": {
        "en": "No customer is called <b>{name}</b>. Did you mean one of these?",
        "zh": "没有名为 <b>{name}</b> 的客户。您是指以下客户之一吗？",
    },
    "contacts.unknown_customer": {
        "en": "No customer is called <b>{name}</b>. Create it, or type the name again.",
        "zh": "没有名为 <b>{name}</b> 的客户。可以新建该客户，或重新输入名称。",
    },
    "contacts.name_too_long": {
        "en": "A customer name can have at most {limit} characters. Type a shorter name.",
        "zh": "客户名称最多 {limit} 个字符。请输入较短的名称。",
    },
    "contacts.type_again": {
        "en": "Type the customer name again.",
        "zh": "请重新输入客户名称。",
    },
    "contacts.customer_created": {
        "en": "New customer <b>{name}</b> created.",
        "zh": "已新建客户 <b>{name}</b>。",
    },
    "contacts.ask_kind": {
        "en": "What kind of contact with <b>{name}</b>?",
        "zh": "与 <b>{name}</b> 的联系方式是？",
    },
    "contacts.ask_summary": {
        "en": "What happened? Write a short summary.",
        "zh": "发生了什么？请写一段简短的摘要。",
    },
    "contacts.ask_amount": {
        "en": "Amount? Type it (for example 5000, 5k or $5,000.50; a negative amount is a "
        "refund), or press Skip.",
        "zh": "金额？请输入（例如 5000、5k 或 ¥5,000.50；负数表示退款），或点击跳过。",
    },
    "contacts.ask_satisfaction": {
        "en": "How satisfied is the customer, from 1 (not at all) to 5 (very)?",
        "zh": "客户满意度如何？从 1（很不满意）到 5（非常满意）。",
    },
    "contacts.ask_next_step": {
        "en": "Next step? Type a date, optionally with what to do (for example "
        '"send quote next friday", "in 3 days", "2026-12-10"), or press Skip to let '
        "the cadence table set the next follow-up.",
        "zh": "下一步？请输入日期，可附上要做的事（例如“发报价 下周五”、“3天后”、"
        "“2026-12-10”），或点击跳过，由跟进节奏表决定下次跟进时间。",
    },
    "contacts.try_again": {
        "en": "{error}\nTry again, or send /cancel to stop.",
        "zh": "{error}\n请重试，或发送 /cancel 取消。",
    },
    "contacts.line_rejected": {
        "en": "{error}\nNothing was saved.\n\n{usage}",
        "zh": "{error}\n未保存任何内容。\n\n{usage}",
    },
    "contacts.cancelled": {
        "en": "Logging cancelled. Nothing was saved.",
        "zh": "已取消记录，未保存任何内容。",
    },
    "contacts.expired": {
        "en": "These buttons have expired. Start again with /log.",
        "zh": "这些按钮已失效。请发送 /log 重新开始。",
    },
    "contacts.no_access": {
        "en": "That customer is not among yours. Start again with /log.",
        "zh": "该客户不在您的客户列表中。请发送 /log 重新开始。",
    },
    "contacts.saved": {
        "en": "Logged: {kind} with <b>{name}</b> on {date}.",
        "zh": "已记录：{date} 与 <b>{name}</b> 的{kind}。",
    },
    "contacts.saved_stage": {
        "en": "Stage: <b>{stage}</b>",
        "zh": "阶段：<b>{stage}</b>",
    },
    "contacts.saved_stage_reason": {
        "en": "Stage: <b>{stage}</b> ({reason})",
        "zh": "阶段：<b>{stage}</b>（{reason}）",
    },
    "contacts.saved_stage_changed": {
        "en": "Stage: <b>{stage}</b>, was {previous}",
        "zh": "阶段：<b>{stage}</b>，之前为{previous}",
    },
    "contacts.saved_stage_changed_reason": {
        "en": "Stage: <b>{stage}</b>, was {previous} ({reason})",
        "zh": "阶段：<b>{stage}</b>，之前为{previous}（{reason}）",
    },
    "contacts.name_taken": {
        "en": "Your team already has a customer called <b>{name}</b>, owned by another rep. "
        "Ask your manager, or type another name.",
        "zh": "您的团队已有名为 <b>{name}</b> 的客户，由其他销售代表负责。"
        "请询问经理，或输入其他名称。",
    },
    "contacts.saved_next_followup": {
        "en": "Next follow-up: {when}",
        "zh": "下次跟进：{when}",
    },
    "contacts.saved_no_followup": {
        "en": "No follow-up is scheduled for this customer.",
        "zh": "该客户没有安排跟进。",
    },
    "contacts.usage": {
        "en": "Send /log to be guided step by step, or write it on one line:\n"
        "<code>/log Acme Ltd call discussed renewal 5000 sat 4 next friday</code>\n"
        "Customer name, then the kind of contact (call, visit, message, email, meeting, "
        "purchase, complaint, loss, note), then what happened. Amount, satisfaction "
        "(sat 4 or 4/5) and the next step date are optional and go at the end.",
        "zh": "发送 /log 按步骤填写，或写成一行：\n"
        "<code>/log 阿里巴巴 电话 讨论续约 5000 满意度4 下周五</code>\n"
        "先写客户名称，再写联系方式（电话、拜访、消息、邮件、会议、购买、投诉、流失、备注），"
        "然后写发生了什么。金额、满意度（满意度4 或 4/5）和下一步日期可选，写在最后。",
    },
    "contacts.button.skip": {"en": "Skip", "zh": "跳过"},
    "contacts.button.create": {"en": "Create “{name}”", "zh": "新建“{name}”"},
    "contacts.button.type_again": {"en": "Type again", "zh": "重新输入"},
    "contacts.button.cancel": {"en": "Cancel", "zh": "取消"},
    "contacts.kind.call": {"en": "call", "zh": "电话"},
    "contacts.kind.visit": {"en": "visit", "zh": "拜访"},
    "contacts.kind.message": {"en": "message", "zh": "消息"},
    "contacts.kind.email": {"en": "email", "zh": "邮件"},
    "contacts.kind.meeting": {"en": "meeting", "zh": "会议"},
    "contacts.kind.purchase": {"en": "purchase", "zh": "购买"},
    "contacts.kind.complaint": {"en": "complaint", "zh": "投诉"},
    "contacts.kind.loss": {"en": "lost customer", "zh": "客户流失"},
    "contacts.kind.note": {"en": "note", "zh": "备注"},
    "contacts.error.empty": {
        "en": "The contact is empty.",
        "zh": "联系记录为空。",
    },
    "contacts.error.kind_missing": {
        "en": "No kind of contact found in “{text}”. Write the customer name, then a kind "
        "such as call, visit, message, email, meeting, purchase or complaint.",
        "zh": "在“{text}”中没有找到联系方式。请先写客户名称，再写联系方式，例如电话、拜访、"
        "消息、邮件、会议、购买或投诉。",
    },
    "contacts.error.amount_invalid": {
        "en": "“{value}” is not a valid amount. Write it like 5000, 5,000, 5k, $5000 or "
        "5000.50 (at most two decimals).",
        "zh": "“{value}”不是有效的金额。"
        "请写成 5000、5,000、5k、¥5000 或 5000.50（最多两位小数）。",
    },
    "contacts.error.amount_too_large": {
        "en": "The amount “{value}” is too large. The maximum is 999,999,999,999.99.",
        "zh": "金额“{value}”过大，最大为 999,999,999,999.99。",
    },
    "contacts.error.satisfaction_invalid": {
        "en": "“{value}” is not a satisfaction score. Send a whole number from 1 to 5.",
        "zh": "“{value}”不是有效的满意度。请发送 1 到 5 的整数。",
    },
    "contacts.error.satisfaction_range": {
        "en": "Satisfaction must be a whole number from 1 to 5, not {value}.",
        "zh": "满意度必须是 1 到 5 的整数，而不是 {value}。",
    },
    "contacts.error.date_invalid": {
        "en": "“{value}” is not a date I can read. Write for example tomorrow, friday, "
        "next week, in 3 days, 2026-12-10 or 12/10 (month/day).",
        "zh": "无法识别日期“{value}”。请写成例如 明天、周五、下周五、3天后、2026-12-10 或 "
        "12月10日。",
    },
    "contacts.error.date_past": {
        "en": "The next step date {date} is in the past. Give today or a later date.",
        "zh": "下一步日期 {date} 已经过去。请填写今天或之后的日期。",
    },
    "contacts.error.date_out_of_range": {
        "en": "The next step date “{value}” is out of range. Give a date from today to {latest}.",
        "zh": "下一步日期“{value}”超出范围。请填写今天到 {latest} 之间的日期。",
    },
    "contacts.error.revenue_out_of_range": {
        "en": "This purchase would bring the customer's purchase amounts to {total}, more "
        "than the largest revenue the bot stores ({maximum}). Nothing was saved.",
        "zh": "这笔购买会使该客户的购买金额合计达到 {total}，超过系统能存储的最大营收"
        "（{maximum}）。未保存任何内容。",
    },
}
