"""Texts of the manager digest and of the /digest command."""

MESSAGES: dict[str, dict[str, str]] = {
    "digest.title": {
        "en": "📊 <b>Team digest, {date}</b>",
        "zh": "📊 <b>团队日报，{date}</b>",
    },
    "digest.activity.heading": {
        "en": "<b>Yesterday, {day}</b>",
        "zh": "<b>昨天，{day}</b>",
    },
    "digest.activity.line": {
        "en": "• {rep}: contacts logged {contacts}, overdue follow-ups {overdue}",
        "zh": "• {rep}：记录联系 {contacts} 次，逾期跟进 {overdue} 个",
    },
    "digest.activity.total": {
        "en": "Team: contacts logged {contacts}, overdue follow-ups {overdue}",
        "zh": "团队合计：记录联系 {contacts} 次，逾期跟进 {overdue} 个",
    },
    "digest.activity.no_reps": {
        "en": "No team members yet.",
        "zh": "团队暂无成员。",
    },
    "digest.declined.heading": {
        "en": "<b>Customers that entered decline since the last digest</b>",
        "zh": "<b>自上次简报以来进入衰退期的客户</b>",
    },
    "digest.declined.line": {
        "en": "• {customer} ({owner})",
        "zh": "• {customer}（{owner}）",
    },
    "digest.declined.line_reason": {
        "en": "• {customer} ({owner}): {reason}",
        "zh": "• {customer}（{owner}）：{reason}",
    },
    "digest.neglected.heading": {
        "en": "<b>Valuable customers with no contact within their cadence</b>",
        "zh": "<b>超过跟进周期未联系的高价值客户</b>",
    },
    "digest.neglected.line": {
        "en": "• {customer} ({owner}), tier {tier}, revenue {revenue}: "
        "last contact {days} days ago, cadence {window} days",
        "zh": "• {customer}（{owner}），{tier} 级，收入 {revenue}：上次联系在 {days} 天前，"
        "跟进周期 {window} 天",
    },
    "digest.neglected.line_never": {
        "en": "• {customer} ({owner}), tier {tier}, revenue {revenue}: never contacted,"
        " cadence {window} days",
        "zh": "• {customer}（{owner}），{tier} 级，收入 {revenue}：从未联系，跟进周期 {window} 天",
    },
    "digest.none": {
        "en": "None.",
        "zh": "无。",
    },
    "digest.no_team": {
        "en": "You are not in a team yet, so there is no digest to show.",
        "zh": "你还没有加入团队，因此没有日报。",
    },
}
