"""A checklist as a municipality makes one, laid out unlike Chiyoda's: an instruction
sheet in front, a title, two header rows with merged cells, category cells merged
over several rows, numbering 1-1, examples marked 【記載例】 and 例:, answers the city
wrote itself, a ○/×/－ drop-down, and a column for the city's own check.

Its items are worded as another city words them (the MIC guideline's words, not
Chiyoda's), each with the controls a person would tag it with (GOLD): the suggestions
are measured against them in `make bench`, beside Chiyoda's own tags."""

import io
from pathlib import Path
from tempfile import TemporaryDirectory

from django.core.management import call_command
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from kakunin.catalog.models import Control, Template

CITY = "みどり市"
TITLE = "情報システム調達におけるセキュリティチェックシート"

# (category, number, question, examples, preset answer, controls)
ITEMS = [
    ("1 アカウント管理", "1-1", "利用者ごとに個別のIDを発行し、IDを複数人で共用しない運用としていますか。", "", "", ["individual-ids"]),
    ("1 アカウント管理", "1-2", "異動・退職等で不要となったIDは、速やかに削除または無効化していますか。", "【記載例】月次でID棚卸しを実施し、退職者のIDを削除する。", "", ["unused-id-removal"]),
    ("1 アカウント管理", "1-3", "管理者権限を持つアカウントは必要最小限とし、定期的に棚卸しを行っていますか。", "", "", ["admin-account-review"]),
    ("2 認証", "2-1", "パスワードは英大文字・英小文字・数字・記号を組み合わせ、10文字以上としていますか。", "例: 最低12文字、3種類以上の文字種", "", ["password-rules"]),
    ("2 認証", "2-2", "一定回数以上ログインに失敗した場合、アカウントをロックする機能がありますか。", "", "", ["account-lockout"]),
    ("2 認証", "2-3", "パスワードは、ソルト付きハッシュ等により復元できない形式で保存していますか。", "", "", ["password-storage"]),
    ("2 認証", "2-4", "管理者のログインには、ワンタイムパスワード等の多要素認証を用いていますか。", "", "", ["mfa"]),
    ("3 通信の保護", "3-1", "インターネットを経由する通信は、TLS1.2以上で暗号化していますか。SSL3.0、TLS1.0、TLS1.1は無効にしてください。", "", "", ["tls-version"]),
    ("3 通信の保護", "3-2", "Webサイトの全ページでHTTPSを使用していますか。", "", "", ["https"]),
    ("3 通信の保護", "3-3", "Cookieにsecure属性およびHttpOnly属性を付与していますか。", "", "", ["cookie-flags"]),
    ("4 Webアプリケーション", "4-1", "SQLインジェクション対策として、プレースホルダを使用していますか。", "", "", ["sql-injection"]),
    ("4 Webアプリケーション", "4-2", "クロスサイト・スクリプティング対策として、出力時のエスケープ処理を行っていますか。", "", "", ["xss"]),
    ("4 Webアプリケーション", "4-3", "CSRF対策として、トークンによるリクエストの検証を行っていますか。", "", "", ["csrf"]),
    ("4 Webアプリケーション", "4-4", "エラー発生時に、詳細なエラーメッセージを利用者の画面に表示しないようにしていますか。", "", "", ["error-disclosure"]),
    ("5 ログ", "5-1", "利用者の操作ログ、アクセスログを取得していますか。", "", "", ["log-collection"]),
    ("5 ログ", "5-2", "取得したログを1年以上保存していますか。", "", "", ["log-retention"]),
    ("5 ログ", "5-3", "不正なアクセスがないか、ログを定期的に確認していますか。", "", "", ["log-review"]),
    ("6 バックアップ", "6-1", "データのバックアップを定期的に取得し、複数世代を保管していますか。", "【記載例】日次で取得し7世代保管", "", ["backup-frequency"]),
    ("6 バックアップ", "6-2", "バックアップからの復元手順を整備し、復元テストを実施していますか。", "", "", ["restore-test"]),
    ("6 バックアップ", "6-3", "バックアップは、災害に備えて遠隔地に保管していますか。", "", "", ["offsite-backup"]),
    ("7 脆弱性対策", "7-1", "OS・ミドルウェアのセキュリティパッチを速やかに適用していますか。", "", "", ["patch-management"]),
    ("7 脆弱性対策", "7-2", "本番稼働前に第三者による脆弱性診断を実施し、指摘事項を是正していますか。", "", "", ["vulnerability-assessment"]),
    ("7 脆弱性対策", "7-3", "サーバにウイルス対策ソフトを導入し、定義ファイルを自動更新していますか。", "", "", ["anti-malware"]),
    ("8 クラウドサービス", "8-1", "利用するクラウドサービスはISMAPクラウドサービスリストに登録されていますか。", "", "", ["ismap-registration"]),
    ("8 クラウドサービス", "8-2", "データを保管するデータセンターの所在地（国内・リージョン）を示してください。", "", "", ["data-location"]),
    ("9 契約終了時", "9-1", "契約終了時、データを復元できない方法で消去し、消去証明書を提出しますか。", "", "", ["data-erasure"]),
    ("9 契約終了時", "9-2", "本市の情報セキュリティポリシーを遵守することを誓約してください。", "", "市で確認します", ["security-status-report"]),
]  # fmt: skip
GOLD = {number: controls for _c, number, _q, _e, _p, controls in ITEMS}
HEADINGS = ["No.", "分類", "確認項目", "回答", "対応状況", "市確認欄"]


def build(items=ITEMS, *, validation=True, extra_rows=()) -> bytes:
    """The city's blank form as xlsx bytes."""
    wb = Workbook()
    guide = wb.active
    guide.title = "記入要領"
    guide["A1"] = "記入要領"
    guide["A3"] = "1. 黄色のセルに記入してください。"
    guide["A4"] = "2. 対応状況は一覧（○・×・－）から選んでください。"
    ws = wb.create_sheet("チェックシート")
    ws["A1"] = f"{CITY} {TITLE}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "受託事業者は、回答欄および対応状況欄に記入のうえ提出してください。"
    # Two header rows: 事業者記入欄 over 回答 and 対応状況; the rest merged down.
    for col, text in ((1, "No."), (2, "分類"), (3, "確認項目"), (6, "市確認欄")):
        ws.cell(4, col, text)
        ws.merge_cells(start_row=4, start_column=col, end_row=5, end_column=col)
    ws.cell(4, 4, "事業者記入欄")
    ws.merge_cells("D4:E4")
    ws.cell(5, 4, "回答")
    ws.cell(5, 5, "対応状況")
    for width, letter in zip((6, 14, 50, 40, 9, 14), "ABCDEF", strict=True):
        ws.column_dimensions[letter].width = width
    row, category_start, category = 6, 6, None
    for cat, number, question, example, preset, _controls in items:
        if cat != category:
            if category is not None and row - 1 > category_start:
                ws.merge_cells(
                    start_row=category_start, start_column=2, end_row=row - 1, end_column=2
                )
            category, category_start = cat, row
            ws.cell(row, 2, cat)
        ws.cell(row, 1, number)
        ws.cell(row, 3, question + (f"\n{example}" if example else ""))
        ws.cell(row, 3).alignment = Alignment(wrap_text=True)
        if preset:
            ws.cell(row, 4, preset)
        else:
            ws.cell(row, 4).fill = PatternFill("solid", fgColor="FFFF00")
            ws.cell(row, 5).fill = PatternFill("solid", fgColor="FFFF00")
        row += 1
    if row - 1 > category_start:
        ws.merge_cells(start_row=category_start, start_column=2, end_row=row - 1, end_column=2)
    for cells in extra_rows:
        for col, value in enumerate(cells, start=1):
            ws.cell(row, col, value)
        row += 1
    if validation:
        choice = DataValidation(type="list", formula1='"○,×,－"', allow_blank=True)
        ws.add_data_validation(choice)
        choice.add(f"E6:E{row}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def imported(municipality_code: str, key: str = "midori"):
    """The city's form read from its Excel file into the municipality's own forms, its
    items tagged with GOLD, as a person confirms the suggestions in the preview."""
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{key}.xlsx"
        path.write_bytes(build())
        call_command("import_form_definition", str(path), "--key", key,
                     "--municipality", municipality_code, stdout=io.StringIO())  # fmt: skip
    form = Template.objects.get(key=key, municipality__code=municipality_code)
    for item in form.items.all():
        item.controls.set(Control.objects.filter(key__in=GOLD[item.label]))
    return form
