"""Texts of the customer model (stages, levels, tiers, reasons, approaches) and of history files.

Reason texts are fragments that ``crm_core.analysis.render_reason`` joins with "; ", so they
start in lower case and end without a full stop.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # Names of stages, levels and tiers.
    "analysis.stage.acquisition": {"en": "acquisition", "zh": "获取期"},
    "analysis.stage.growth": {"en": "growth", "zh": "成长期"},
    "analysis.stage.maturity": {"en": "maturity", "zh": "成熟期"},
    "analysis.stage.decline": {"en": "decline", "zh": "衰退期"},
    "analysis.stage.terminated": {"en": "terminated", "zh": "终止期"},
    "analysis.level.casual_buyer": {"en": "casual buyer", "zh": "偶然购买者"},
    "analysis.level.customer": {"en": "customer", "zh": "顾客"},
    "analysis.level.client": {"en": "client", "zh": "客户"},
    "analysis.level.partner": {"en": "partner", "zh": "合作伙伴"},
    "analysis.tier.A": {"en": "A", "zh": "A"},
    "analysis.tier.B": {"en": "B", "zh": "B"},
    "analysis.tier.C": {"en": "C", "zh": "C"},
    # Stage reasons.
    "analysis.reason.separator": {"en": "; ", "zh": "；"},
    "analysis.reason.override": {
        "en": "stage set by hand to {stage} (detected: {detected})",
        "zh": "阶段已手动设为{stage}（系统判断：{detected}）",
    },
    "analysis.reason.last_purchase": {
        "en": "last purchase {days} days ago",
        "zh": "最近一次购买在 {days} 天前",
    },
    "analysis.reason.usual_gap": {
        "en": "usual gap {days} days",
        "zh": "通常购买间隔 {days} 天",
    },
    "analysis.reason.assumed_gap": {
        "en": "only one purchase day, so a gap of {days} days is assumed",
        "zh": "仅有一个购买日，按 {days} 天的间隔估计",
    },
    "analysis.reason.spend_down": {
        "en": "spend down {percent}% over the last {days} days",
        "zh": "最近 {days} 天消费下降 {percent}%",
    },
    "analysis.reason.spend_up": {
        "en": "spend up {percent}% over the last {days} days",
        "zh": "最近 {days} 天消费上升 {percent}%",
    },
    "analysis.reason.lost": {
        "en": "marked as lost on {date}",
        "zh": "已于 {date} 标记为流失",
    },
    "analysis.reason.refunded": {
        "en": "all purchases refunded (net revenue {revenue:.2f} from {count} purchase records)",
        "zh": "购买已全部退款（{count} 条购买记录，净收入 {revenue:.2f}）",
    },
    "analysis.reason.no_history": {
        "en": "no contacts or purchases yet",
        "zh": "尚无联系或购买记录",
    },
    "analysis.reason.no_purchase": {
        "en": "no purchase yet, last contact on {date}",
        "zh": "尚未购买，最近一次联系在 {date}",
    },
    "analysis.reason.single_purchase": {
        "en": "one purchase day so far, {days} days ago",
        "zh": "目前只有一个购买日，在 {days} 天前",
    },
    "analysis.reason.complaints": {
        "en": "complaints in the last {days} days: {count}",
        "zh": "最近 {days} 天有 {count} 次投诉",
    },
    "analysis.reason.low_satisfaction": {
        "en": "average satisfaction {score:.1f} of 5 in the last {days} days",
        "zh": "最近 {days} 天平均满意度 {score:.1f}（满分 5）",
    },
    "analysis.reason.purchases": {
        "en": "{count} purchase days over {days} days",
        "zh": "{days} 天内有 {count} 个购买日",
    },
    "analysis.reason.value_warning": {
        "en": "value for money down {percent}% while satisfaction stays high",
        "zh": "满意度仍高，但性价比下降了 {percent}%",
    },
    # Level reasons.
    "analysis.level_reason.casual_buyer": {
        "en": "no repeat purchase yet (purchase days: {purchases})",
        "zh": "尚未重复购买（购买日：{purchases}）",
    },
    "analysis.level_reason.customer": {
        "en": "repeat buyer (purchase days: {purchases})",
        "zh": "重复购买者（购买日：{purchases}）",
    },
    "analysis.level_reason.client": {
        "en": "{purchases} purchase days and {contacts} calls, visits, messages or meetings "
        "in the last {days} days",
        "zh": "{purchases} 个购买日，最近 {days} 天有 {contacts} 次电话、拜访、消息或会面",
    },
    "analysis.level_reason.partner": {
        "en": "tier {tier} for {days} days, {purchases} purchase days and {meetings} meetings "
        "or visits in the last year",
        "zh": "{tier} 级客户已 {days} 天，{purchases} 个购买日，近一年 {meetings} 次会面或拜访",
    },
    # Suggested approach per stage.
    "analysis.approach.acquisition": {
        "en": "Win the first repeat purchase: make a tailored offer and make sure the quality "
        "of the first order is right.",
        "zh": "争取第一次重复购买：提供有针对性的优惠，确保首单质量到位。",
    },
    "analysis.approach.growth": {
        "en": "Build satisfaction and loyalty: ask for feedback, offer related products and "
        "deepen the relationship towards {next_level}.",
        "zh": "提升满意度和忠诚度：征求反馈，推荐相关产品，把关系推进到{next_level}。",
    },
    "analysis.approach.maturity": {
        "en": "Keep satisfaction high and reward loyalty, and work towards {next_level} with "
        "personal service.",
        "zh": "保持高满意度并回馈忠诚，通过个性化服务推进到{next_level}。",
    },
    "analysis.approach.partner": {
        "en": "Keep satisfaction high and reward loyalty: plan the next joint project with "
        "this partner.",
        "zh": "保持高满意度并回馈忠诚：与这位合作伙伴规划下一个合作项目。",
    },
    "analysis.approach.decline": {
        "en": "Find the dissatisfaction: call, listen and fix the cause, then retain with a "
        "win-back offer and raise exit barriers such as contracts or loyalty benefits.",
        "zh": "找出不满：致电倾听并解决原因，再用挽回优惠留住客户，"
        "并通过合同或会员权益提高转换成本。",
    },
    "analysis.approach.terminated_win_back": {
        "en": "Tier {tier} value justifies a win-back attempt: find out why they left and "
        "make a targeted offer.",
        "zh": "{tier} 级价值值得尝试挽回：了解流失原因，并提供有针对性的方案。",
    },
    "analysis.approach.terminated_none": {
        "en": "No follow-up: the customer's value does not justify a win-back.",
        "zh": "无需跟进：该客户的价值不足以支撑挽回。",
    },
    "analysis.approach.value_warning": {
        "en": "Early warning: value for money is falling although satisfaction is high, so "
        "review price and terms before the customer compares offers.",
        "zh": "预警：满意度虽高但性价比在下降，请在客户比较其他报价前检查价格和条款。",
    },
    # Errors of storage.history_file, printed by the import command.
    "history_file.error.not_found": {
        "en": "History file {file} not found.",
        "zh": "找不到历史文件 {file}。",
    },
    "history_file.error.unreadable": {
        "en": "Could not read history file {file}: {error}",
        "zh": "无法读取历史文件 {file}：{error}",
    },
    "history_file.error.xls": {
        "en": "Cannot read {file}: the old .xls format needs the xlrd package. Save the file "
        "as .xlsx or CSV and import that.",
        "zh": "无法读取 {file}：旧版 .xls 格式需要 xlrd 包。请另存为 .xlsx 或 CSV 后再导入。",
    },
    "history_file.error.empty": {
        "en": "History file {file} contains no data rows.",
        "zh": "历史文件 {file} 没有数据行。",
    },
    "history_file.error.missing_column": {
        "en": "No {role} column found in {file}. Columns: {columns}. Pass {option} to name it.",
        "zh": "在 {file} 中找不到{role}列。现有列：{columns}。请用 {option} 指定。",
    },
    "history_file.error.unknown_column": {
        "en": "Column {column} given by {option} is not in {file}. Columns: {columns}.",
        "zh": "{option} 指定的列 {column} 不在 {file} 中。现有列：{columns}。",
    },
    "history_file.error.bad_date": {
        "en": 'Invalid date "{value}" in column {column}, row {row} of {file}. Pass '
        "--date-format (for example %d.%m.%Y) or --date-col.",
        "zh": '{file} 第 {row} 行 {column} 列的日期 "{value}" 无效。请用 --date-format'
        "（例如 %d.%m.%Y）或 --date-col 指定。",
    },
    "history_file.error.ambiguous_date": {
        "en": "Dates in column {column} of {file} fit both {first} and {second}. Pass "
        "--date-format to choose one.",
        "zh": "{file} 中 {column} 列的日期同时符合 {first} 和 {second}。请用 --date-format 指定。",
    },
    "history_file.error.bad_amount": {
        "en": 'Invalid amount "{value}" in column {column}, row {row} of {file}. Pass '
        "--amount-col if this is not the amount column.",
        "zh": '{file} 第 {row} 行 {column} 列的金额 "{value}" 无效。如果这不是金额列，请用 '
        "--amount-col 指定。",
    },
    "history_file.error.amount_out_of_range": {
        "en": 'Amount "{value}" in column {column}, row {row} of {file} is out of range: the '
        "largest amount the database stores is {maximum}.",
        "zh": '{file} 第 {row} 行 {column} 列的金额 "{value}" 超出范围：数据库能存储的最大金额为 '
        "{maximum}。",
    },
    "history_file.error.revenue_out_of_range": {
        "en": 'The absolute amounts of customer "{customer}" add up to {total}, more than the '
        "largest revenue the database stores ({maximum}). Nothing was imported.",
        "zh": '客户 "{customer}" 的金额绝对值合计为 {total}，超过数据库能存储的最大营收'
        "（{maximum}）。未导入任何内容。",
    },
    "history_file.error.long_customer": {
        "en": "Customer in column {column}, row {row} of {file} has {length} characters, more "
        "than the maximum of {maximum}.",
        "zh": "{file} 第 {row} 行 {column} 列的客户有 {length} 个字符，"
        "超过上限 {maximum} 个字符。",
    },
    "history_file.error.missing_customer": {
        "en": "Missing customer in column {column}, row {row} of {file}.",
        "zh": "{file} 第 {row} 行 {column} 列缺少客户。",
    },
    "history_file.error.bad_kind": {
        "en": 'Unknown contact kind "{value}" in column {column}, row {row} of {file}. '
        "Expected one of: {kinds}.",
        "zh": '{file} 第 {row} 行 {column} 列的联系类型 "{value}" 未知。应为：{kinds}。',
    },
    "history_file.error.bad_satisfaction": {
        "en": 'Invalid satisfaction "{value}" in column {column}, row {row} of {file}. '
        "Expected a whole number from {minimum} to {maximum}.",
        "zh": '{file} 第 {row} 行 {column} 列的满意度 "{value}" 无效。应为 {minimum} 到 {maximum} '
        "的整数。",
    },
    "history_file.error.too_few_columns": {
        "en": "History file {file} has {count} columns, but a history needs at least a "
        "customer and a date column.",
        "zh": "历史文件 {file} 只有 {count} 列，历史记录至少需要客户列和日期列。",
    },
    "history_file.role.customer": {"en": "customer", "zh": "客户"},
    "history_file.role.date": {"en": "date", "zh": "日期"},
}
