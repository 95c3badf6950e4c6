"""Messages of the customer card (/customer) and of the follow-up list (/today)."""

MESSAGES: dict[str, dict[str, str]] = {
    "customers.usage": {
        "en": "Send /customer NAME to see a customer's card, for example /customer Acme Ltd.",
        "zh": "发送 /customer 客户名称 查看客户卡片，例如 /customer 阿里巴巴。",
    },
    "customers.not_found": {
        "en": "None of your customers is called <b>{name}</b>. Check the spelling, or log a "
        "first contact with /log to create the customer.",
        "zh": "您的客户中没有名为 <b>{name}</b> 的客户。"
        "请检查拼写，或用 /log 记录第一次联系来新建客户。",
    },
    "customers.choose": {
        "en": "Several customers match <b>{name}</b>. Which one?",
        "zh": "有多个客户与 <b>{name}</b> 相符。是哪一个？",
    },
    "customers.expired": {
        "en": "That customer is not among yours any more.",
        "zh": "该客户已不在您的客户列表中。",
    },
    "customers.card.title": {
        "en": "<b>{name}</b>\nOwner: {owner}",
        "zh": "<b>{name}</b>\n负责人：{owner}",
    },
    "customers.card.level": {
        "en": "Level: <b>{level}</b>",
        "zh": "关系层级：<b>{level}</b>",
    },
    "customers.card.level_reason": {
        "en": "Level: <b>{level}</b> — {reason}",
        "zh": "关系层级：<b>{level}</b>——{reason}",
    },
    "customers.card.level_set_by": {
        "en": "Level set by hand by {name} on {date}.",
        "zh": "关系层级由 {name} 于 {date} 手动设置。",
    },
    "customers.card.upgrade": {
        "en": "Upgrade suggested: <b>{level}</b> — {reason}",
        "zh": "建议升级为<b>{level}</b>：{reason}",
    },
    "customers.card.upgrade_no_reason": {
        "en": "Upgrade suggested: <b>{level}</b>",
        "zh": "建议升级为<b>{level}</b>",
    },
    "customers.card.stage": {
        "en": "Stage: <b>{stage}</b> ({reason})",
        "zh": "阶段：<b>{stage}</b>（{reason}）",
    },
    "customers.card.stage_no_reason": {
        "en": "Stage: <b>{stage}</b>",
        "zh": "阶段：<b>{stage}</b>",
    },
    "customers.card.stage_set_by": {
        "en": "Stage set by hand by {name} on {date}.",
        "zh": "阶段由 {name} 于 {date} 手动设置。",
    },
    "customers.card.value": {
        "en": "Value: tier <b>{tier}</b>, revenue {revenue}",
        "zh": "价值：<b>{tier}</b> 级，收入 {revenue}",
    },
    "customers.card.value_ratio": {
        "en": "Value for money V = Q/P: {ratio}",
        "zh": "性价比 V = Q/P：{ratio}",
    },
    "customers.card.value_warning": {
        "en": "⚠️ Value for money is falling while satisfaction stays high.",
        "zh": "⚠️ 满意度仍高，但性价比在下降。",
    },
    "customers.card.churn_risk": {
        "en": "Churn risk: {percent}%",
        "zh": "流失风险：{percent}%",
    },
    "customers.card.rfm": {
        "en": "RFM scores (1-5): recency {r}, frequency {f}, monetary {m}",
        "zh": "RFM 评分（1-5）：最近购买 {r}，购买频率 {f}，消费金额 {m}",
    },
    "customers.card.contacts": {
        "en": "<b>Last contacts</b>",
        "zh": "<b>最近联系</b>",
    },
    "customers.card.no_contacts": {
        "en": "No contacts logged yet.",
        "zh": "尚无联系记录。",
    },
    "customers.card.contact": {
        "en": "• {date}, {kind} by {rep}: {summary}",
        "zh": "• {date}，{rep} {kind}：{summary}",
    },
    "customers.card.contact_no_summary": {
        "en": "• {date}, {kind} by {rep}",
        "zh": "• {date}，{rep} {kind}",
    },
    "customers.card.contact_amount": {
        "en": "amount {amount}",
        "zh": "金额 {amount}",
    },
    "customers.card.contact_satisfaction": {
        "en": "satisfaction {score}/5",
        "zh": "满意度 {score}/5",
    },
    "customers.card.contact_extras": {
        "en": "{line} ({extras})",
        "zh": "{line}（{extras}）",
    },
    "customers.list_separator": {"en": ", ", "zh": "，"},
    "customers.card.next_followup": {
        "en": "Next follow-up: <b>{when}</b>",
        "zh": "下次跟进：<b>{when}</b>",
    },
    "customers.card.next_followup_overdue": {
        "en": "Next follow-up: <b>{when}</b>, overdue",
        "zh": "下次跟进：<b>{when}</b>，已逾期",
    },
    "customers.card.no_followup": {
        "en": "Next follow-up: none scheduled",
        "zh": "下次跟进：未安排",
    },
    "customers.card.approach": {
        "en": "<b>Suggested approach</b>: {approach}",
        "zh": "<b>建议做法</b>：{approach}",
    },
    "customers.today.title": {
        "en": "<b>Follow-ups for {date}</b>",
        "zh": "<b>{date} 的跟进</b>",
    },
    "customers.today.empty": {
        "en": "No follow-ups are due today or overdue.",
        "zh": "今天没有到期或逾期的跟进。",
    },
    "customers.today.item_due": {
        "en": "{number}. <b>{name}</b>, tier {tier}, {stage}. Due {time}",
        "zh": "{number}. <b>{name}</b>，{tier} 级，{stage}。{time} 到期",
    },
    "customers.today.item_overdue": {
        "en": "{number}. <b>{name}</b>, tier {tier}, {stage}. Overdue since {date}",
        "zh": "{number}. <b>{name}</b>，{tier} 级，{stage}。自 {date} 起逾期",
    },
    "customers.today.note": {
        "en": "   Note: {note}",
        "zh": "   备注：{note}",
    },
    "customers.today.more": {
        "en": "… and {count} more.",
        "zh": "……还有 {count} 项。",
    },
    "customers.weekday.0": {"en": "Mon", "zh": "周一"},
    "customers.weekday.1": {"en": "Tue", "zh": "周二"},
    "customers.weekday.2": {"en": "Wed", "zh": "周三"},
    "customers.weekday.3": {"en": "Thu", "zh": "周四"},
    "customers.weekday.4": {"en": "Fri", "zh": "周五"},
    "customers.weekday.5": {"en": "Sat", "zh": "周六"},
    "customers.weekday.6": {"en": "Sun", "zh": "周日"},
    "customers.local_date": {"en": "{weekday} {date}", "zh": "{date}（{weekday}）"},
    "customers.local_datetime": {
        "en": "{weekday} {date} {time}",
        "zh": "{date}（{weekday}）{time}",
    },
}
