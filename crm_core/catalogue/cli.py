"""Messages of the command line (import and analyze)."""

MESSAGES: dict[str, dict[str, str]] = {
    "cli.file_not_found": {
        "en": "File not found: {path}",
        "zh": "找不到文件：{path}",
    },
    "cli.owner_not_found": {
        "en": "User {owner} not found or not in a team. The owner must have joined with /start "
        "first, or leave out --owner to import for the console demo rep.",
        "zh": "用户 {owner} 不存在或不属于任何团队。该用户须先通过 /start 加入，"
        "或省略 --owner 以导入给控制台演示销售代表。",
    },
    "cli.import_done": {
        "en": "Imported {events} events of {customers} customers ({new_customers} new) from "
        "{path} for user {owner}; {skipped} rows were already imported.",
        "zh": "已从 {path} 为用户 {owner} 导入 {customers} 位客户（新增 {new_customers} 位）的 "
        "{events} 条记录；{skipped} 行此前已导入。",
    },
    "cli.analysis_done": {
        "en": "Analysed {customers} customers; {followups} follow-ups scheduled.",
        "zh": "已分析 {customers} 位客户；安排了 {followups} 次跟进。",
    },
    "cli.bad_as_of": {
        "en": "Invalid --as-of {value}: use a date like 1997-09-30.",
        "zh": "--as-of {value} 无效：请使用 1997-09-30 这样的日期。",
    },
    "cli.nothing_to_analyze": {
        "en": "The database has no customers yet. Import a history first: "
        "python bot.py import FILE",
        "zh": "数据库中还没有客户。请先导入历史记录：python bot.py import 文件",
    },
    "cli.nothing_before_as_of": {
        "en": "Nothing to analyse on or before {as_of}: the earliest customer or event is from "
        "{first}. Pass a later --as-of. No file was written.",
        "zh": "{as_of} 及之前没有可分析的内容：最早的客户或记录来自 {first}。"
        "请使用更晚的 --as-of。未写入任何文件。",
    },
    "cli.analyze_done": {
        "en": "Wrote {customers} customers, analysed as of {as_of}, to {path}.",
        "zh": "已将 {customers} 位客户（截至 {as_of} 的分析）写入 {path}。",
    },
}
