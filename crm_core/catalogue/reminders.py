"""Texts of follow-up reminders and of their Done / Snooze buttons."""

MESSAGES: dict[str, dict[str, str]] = {
    "reminders.title": {
        "en": "🔔 <b>Follow up: {customer}</b>",
        "zh": "🔔 <b>跟进：{customer}</b>",
    },
    "reminders.due_now": {
        "en": "Due now ({due}).",
        "zh": "现在到期（{due}）。",
    },
    "reminders.overdue_hours": {
        "en": "Overdue by {hours} h (due {due}).",
        "zh": "已逾期 {hours} 小时（应于 {due}）。",
    },
    "reminders.overdue_day": {
        "en": "Overdue by 1 day (due {due}).",
        "zh": "已逾期 1 天（应于 {due}）。",
    },
    "reminders.overdue_days": {
        "en": "Overdue by {days} days (due {due}).",
        "zh": "已逾期 {days} 天（应于 {due}）。",
    },
    "reminders.stage": {
        "en": "Stage: {stage}",
        "zh": "阶段：{stage}",
    },
    "reminders.stage_with_reason": {
        "en": "Stage: {stage} ({reason})",
        "zh": "阶段：{stage}（{reason}）",
    },
    "reminders.note": {
        "en": "Your note: {note}",
        "zh": "你的备注：{note}",
    },
    "reminders.approach": {
        "en": "Suggested approach: {approach}",
        "zh": "建议做法：{approach}",
    },
    "reminders.button.done": {
        "en": "✅ Done",
        "zh": "✅ 已完成",
    },
    "reminders.button.snooze_day": {
        "en": "⏰ Snooze 1 day",
        "zh": "⏰ 推迟 1 天",
    },
    "reminders.button.snooze_week": {
        "en": "⏰ Snooze 1 week",
        "zh": "⏰ 推迟 1 周",
    },
    "reminders.result.done": {
        "en": "✅ Marked done. Next follow-up: {due}. Log what happened with /log {customer}.",
        "zh": "✅ 已标记完成。下次跟进：{due}。请用 /log {customer} 记录结果。",
    },
    "reminders.result.done_final": {
        "en": "✅ Marked done. No further follow-up is planned for this customer. "
        "Log what happened with /log {customer}.",
        "zh": "✅ 已标记完成。该客户不再安排跟进。请用 /log {customer} 记录结果。",
    },
    "reminders.result.snoozed": {
        "en": "⏰ Snoozed until {due}.",
        "zh": "⏰ 已推迟到 {due}。",
    },
    "reminders.answer.done": {
        "en": "Marked done.",
        "zh": "已标记完成。",
    },
    "reminders.answer.snoozed": {
        "en": "Snoozed until {due}.",
        "zh": "已推迟到 {due}。",
    },
    "reminders.answer.closed": {
        "en": "This reminder is already closed.",
        "zh": "此提醒已关闭。",
    },
    "reminders.answer.not_found": {
        "en": "This reminder no longer exists.",
        "zh": "此提醒已不存在。",
    },
    "reminders.answer.forbidden": {
        "en": "Only the rep who owns this reminder or their manager can close it.",
        "zh": "只有负责此提醒的销售或其经理可以关闭它。",
    },
}
