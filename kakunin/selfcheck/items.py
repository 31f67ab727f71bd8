"""How Kakunin answers the items of its own checklist, whatever form it is on: one
plain function per control, reading the settings in force, the database or the scan
of SITE_URL (readings.Context); the table from control to function (ANSWERS); an
item's answer combines those of its controls (reader)."""

from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from kakunin.accounts import account_review
from kakunin.accounts.adapter import AccountAdapter
from kakunin.accounts.models import Role, User
from kakunin.assessments.models import Status
from kakunin.audit.verify import verify
from kakunin.crypto import keys
from kakunin.directory.backends import local_password_refused
from kakunin.directory.models import Directory, DirectoryAccount
from kakunin.monitoring.tasks import BACKUP, BACKUP_VERIFY, SCAN, WORKER
from kakunin.selfcheck.readings import (
    CHECK,
    Answer,
    Context,
    axes_line,
    done,
    heartbeat,
    heartbeat_line,
    in_japanese,
    in_middleware,
    judged,
    networks_open_to_all,
    password_rules,
    recent_ok,
    session_lines,
    shown_day,
    to_check,
)
from kakunin.tenants.active import current


def _active_users() -> list:
    return list(User.objects.filter(is_active=True))


def password_composition(ctx: Context) -> Answer:
    ok5, _ok42, lines = password_rules()
    return judged(ok5, "稼働中のパスワード検証で確認:", *lines)


def web_password_rules(ctx: Context) -> Answer:
    _ok5, ok42, lines = password_rules()
    return judged(
        ok42,
        "稼働中のパスワード検証で確認:",
        *lines,
        "パスワード入力欄は type=password で、画面に表示しません。",
    )


def rotation(ctx: Context) -> Answer:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days:
        return to_check(
            "有効期限なし（PASSWORD_MAX_AGE_DAYS=0）。二要素認証と併せた運用として区が認めるか確認してください。"
        )
    return judged(
        days <= 90,
        f"設定: {days}日で変更を求める（PASSWORD_MAX_AGE_DAYS）、"
        f"過去{settings.PASSWORD_HISTORY}回分のパスワードは再利用不可",
    )


def lockout(ctx: Context) -> Answer:
    minutes = settings.AXES_COOLOFF_TIME.total_seconds() / 60
    return judged(settings.LOCKOUT_FAILURES <= 10 and minutes >= 30, axes_line())


def sessions(ctx: Context) -> Answer:
    ok = settings.SESSION_COOKIE_AGE <= 60 * 60
    return judged(ok, *session_lines())


def cookie_secure(ctx: Context) -> Answer:
    flags = (
        f"設定: SESSION_COOKIE_SECURE={settings.SESSION_COOKIE_SECURE}、"
        f"CSRF_COOKIE_SECURE={settings.CSRF_COOKIE_SECURE}、"
        f"SESSION_COOKIE_HTTPONLY={settings.SESSION_COOKIE_HTTPONLY}"
    )
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        return judged(False, flags, "HTTPS=1 で secure 属性が付きます。")
    return ctx.from_scan("cookie-flags", "Cookie の secure 属性", flags)


def hashing(ctx: Context) -> Answer:
    hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]
    return judged(
        "Argon2" in hasher or "PBKDF2" in hasher,
        f"設定: {hasher}（ソルト付きハッシュ）で保存。平文・可逆暗号では保存しません。",
    )


def csrf(ctx: Context) -> Answer:
    return judged(
        in_middleware("django.middleware.csrf.CsrfViewMiddleware"),
        "設定: Django の CSRF 対策（CsrfViewMiddleware）が有効。更新はすべて POST とトークン検証。",
    )


def clickjacking(ctx: Context) -> Answer:
    config = f"設定: X-Frame-Options={settings.X_FRAME_OPTIONS}、CSP frame-ancestors 'none'"
    if not in_middleware("django.middleware.clickjacking.XFrameOptionsMiddleware"):
        return judged(False, config, "XFrameOptionsMiddleware が無効です。")
    return ctx.from_scan("clickjacking", "X-Frame-Options ヘッダ", config)


def https(ctx: Context) -> Answer:
    config = (
        f"設定: HTTPS={settings.HTTPS}、SECURE_SSL_REDIRECT={settings.SECURE_SSL_REDIRECT}、"
        f"HSTS={settings.SECURE_HSTS_SECONDS}秒"
    )
    if not settings.HTTPS:
        return judged(False, config, "HTTPS=1 にし、nginx で TLS を終端してください（README）。")
    return ctx.from_scan("https", "全ページの HTTPS", config)


def admin_interface(ctx: Context) -> Answer:
    networks = settings.ADMIN_ALLOWED_NETWORKS
    wide = networks_open_to_all(networks)
    roles = (
        "全員"
        if settings.MFA_REQUIRED_FOR_ALL
        else "、".join(in_japanese(Role(r).label) for r in settings.MFA_REQUIRED_ROLES)
    )
    return judged(
        bool(networks) and not wide,
        f"設定: 利用者管理に接続できるネットワーク {', '.join(networks) or '（なし）'}"
        + (f"（{', '.join(wide)} はすべての接続元を許します）" if wide else ""),
        f"二要素認証（TOTP）必須のロール: {roles}",
        "通信は HTTPS。",
    )


def audit_logs(ctx: Context) -> Answer:
    checked, broken = verify()
    chain = (
        f"監査証跡の連鎖: {checked}件を検証、改ざんなし"
        if broken is None
        else f"監査証跡の連鎖: 第{broken.seq}件で不整合（{broken.reason.ja}）"
    )
    return judged(
        broken is None,
        "いつ・どこで（接続元）・だれが・何を・どうしたかを、改ざん検知の連鎖付きで記録"
        "（ログイン・失敗・ロック・閲覧・変更・出力）。",
        chain,
    )


def retention(ctx: Context) -> Answer:
    days = settings.AUDIT_RETENTION_DAYS
    return judged(
        days >= 730,
        f"設定: 監査証跡を{days}日以上保存（AUDIT_RETENTION_DAYS、730日未満は起動しない）。"
        f"古い分は暗号学的ハッシュ付きの保管ファイルへ移す（{settings.AUDIT_ARCHIVE_DIR}）。",
    )


def auth_log_review(ctx: Context) -> Answer:
    beat = heartbeat(SCAN)
    seen = heartbeat_line("認証ログの自動確認（5分ごと）", beat)
    return judged(
        recent_ok(beat, days=1),
        "認証ログを5分ごとに自動で確認し、失敗の急増・1接続元から多数アカウントへの試行・"
        "ロック・管理者の新しい接続元を管理者に通知（監視システムのアラームによる確認）。",
        seen,
    )


def backups(ctx: Context) -> Answer:
    made = heartbeat(BACKUP)
    return judged(
        recent_ok(made),
        f"毎日 2:30 に暗号化した世代を取得、{settings.BACKUP_GENERATIONS}世代を保管"
        f"（BACKUP_DIR={settings.BACKUP_DIR}）。データベース・証跡ファイル・監査保管ファイル。",
        heartbeat_line("最後のバックアップ", made),
    )


def recovery(ctx: Context) -> Answer:
    checked = heartbeat(BACKUP_VERIFY)
    return judged(
        recent_ok(checked),
        "復旧手順書: README「復旧手順」（試験で手順どおりに復元を確認）。"
        "毎日、最新の世代を別のデータベースに復元し、行数・監査証跡・証跡ファイルのハッシュを照合。",
        heartbeat_line("最後の復元確認", checked),
    )


def offsite(ctx: Context) -> Answer:
    made = heartbeat(BACKUP)
    if not settings.BACKUP_OFFSITE_DIR:
        return judged(False, "BACKUP_OFFSITE_DIR が設定されていません（遠隔地への複製なし）。")
    copied = made is not None and made.ok and made.detail.get("offsite")
    return to_check(
        f"複製先 {settings.BACKUP_OFFSITE_DIR} がサーバの設置場所と別の場所（別の建物・拠点）にあることを確認してください。",
        f"各世代をこの複製先に写し、ハッシュを照合しています（最後の複製: {'照合済み' if copied else '未確認'}）。",
        heartbeat_line("最後のバックアップ", made),
    )


def encryption(ctx: Context) -> Answer:
    current, ring = keys.keyring()
    return judged(
        bool(ring),
        f"設定: 重要な項目（情報資産の詳細・TOTP の秘密など）と証跡ファイルを AES-GCM で暗号化。"
        f"使用中の鍵ID {current}（保持している鍵 {len(ring)} 本）。"
        "鍵はデータベース・バックアップとは別に保管（FIELD_ENCRYPTION_KEYS）。",
    )


def _generic(users) -> list[str]:
    """The accounts that look generic, made for testing or for the demo."""
    return [u.username for u in users if account_review.is_generic(u) or u.is_demo]


def _directory(ctx: Context) -> Directory | None:
    """The municipality's own directory, when its staff sign in through it."""
    municipality = ctx.municipality_id or getattr(current(), "pk", None)
    if municipality is None:
        return None
    return Directory.objects.filter(municipality=municipality, enabled=True).first()


def _directory_lines(directory: Directory) -> list[str]:
    kind = "LDAP / Active Directory" if directory.kind == Directory.Kind.LDAP else "OpenID Connect"
    kept = DirectoryAccount.objects.filter(directory=directory, user__is_active=True).count()
    totp = "あり" if directory.require_totp else "なし（ディレクトリ側の認証による）"
    return [
        f"職員は団体のディレクトリ（{kind}、{directory.domain}）の個人のアカウントでサインイン"
        f"（ディレクトリが管理する有効なアカウント {kept} 件）。",
        "ロールと所属はディレクトリのグループから、サインインのたびに決まる。"
        f"審査担当・管理者の二要素認証（TOTP）の追加: {totp}。",
        "ディレクトリを使わない職員のローカルのパスワードは使えない"
        f"（例外は緊急用の管理者 {directory.break_glass or '未設定'} のみ。使うとアラート）。",
        "事業者は Kakunin の個人のID（管理者が発行、自己登録なし）。",
    ]


def _local_ward_accounts(users) -> list[str]:
    """Ward staff of a directory-signing municipality still on a local account (neither
    kept by the directory nor the break-glass): accounts nobody should need."""
    return [
        u.username
        for u in users
        if local_password_refused(u) and not hasattr(u, "directory_account")
    ]


def personal_ids(ctx: Context) -> Answer:
    users = _active_users()
    generic = _generic(users)
    directory = _directory(ctx)
    return judged(
        not generic,
        f"有効なアカウント {len(users)} 件はすべて個人に発行（管理者が発行し、自己登録なし）。",
        *(_directory_lines(directory) if directory else []),
        f"汎用・テスト・デモ用と見られるID: {', '.join(generic) if generic else 'なし'}",
        partial=True,
    )


def account_lifecycle(ctx: Context) -> Answer:
    last = account_review.last_completed()
    municipality = current()
    people = User.objects.managed_in(municipality.pk) if municipality else User.objects.all()
    unused = len(account_review.review(people))
    line = f"最後の棚卸し: {shown_day(last) if last else '未実施'}、要確認のアカウント {unused} 件"
    directory = _directory(ctx)
    return to_check(
        "棚卸し（利用者管理 → 棚卸し）を定期的に行い、人事異動のたびにアクセス権を見直してください。",
        "発行・無効化・ロール変更は監査証跡に記録されています。",
        *(_lifecycle_lines(directory) if directory else []),
        line,
    )


def _lifecycle_lines(directory: Directory) -> list[str]:
    lines = [
        "職員のアカウントの発行・ロール・所属はディレクトリに従う（異動はサインイン時に反映）。"
    ]
    if directory.kind == Directory.Kind.LDAP:
        checked = (
            DirectoryAccount.objects.filter(directory=directory).order_by("-checked_at").first()
        )
        when = shown_day(checked.checked_at) if checked and checked.checked_at else "未実施"
        gone = DirectoryAccount.objects.filter(directory=directory).exclude(state="present").count()
        lines.append(
            "毎晩、ディレクトリから削除・無効化された職員を Kakunin でも無効化し、セッションと"
            f"APIトークンを終了（directory_check。最後の確認: {when}、"
            f"削除・無効を検出したアカウント {gone} 件）。"
        )
    else:
        lines.append("OpenID Connect は夜間に照会できないため、退職者は棚卸しで確認してください。")
    return lines


def unneeded_accounts(ctx: Context) -> Answer:
    users = _active_users()
    generic = _generic(users)
    directory = _directory(ctx)
    local = _local_ward_accounts(users) if directory else []
    lines = [
        f"検証用・汎用・デモ用と見られる有効なアカウント: {', '.join(generic) if generic else 'なし'}"
    ]
    if directory:
        lines.append(
            "ディレクトリを使う団体で、ディレクトリに紐づかない職員のローカルアカウント"
            f"（使えないもの）: {', '.join(local) if local else 'なし'}"
        )
    return judged(not generic and not local, *lines)


def admin_accounts(ctx: Context) -> Answer:
    admins = [u for u in _active_users() if u.has_role(Role.ADMIN)]
    names = ", ".join(f"{u.username}（{u.full_name}）" for u in admins) or "なし"
    return to_check(
        "各管理者アカウントが1人に割り当てられ、共用されていないことを確認してください。",
        f"有効な管理者アカウント {len(admins)} 件: {names}",
    )


def login_message(ctx: Context) -> Answer:
    messages = AccountAdapter.error_messages
    said = {str(messages[k]) for k in ("username_password_mismatch", "invalid_login")}
    return judged(
        len(said) == 1,
        "ログイン画面が ID の誤りとパスワードの誤りに返すメッセージ: "
        + " / ".join(f"「{m}」" for m in sorted(said)),
    )


def malware(ctx: Context) -> Answer:
    socket = settings.CLAMAV_SOCKET
    if not socket:
        return judged(False, "アップロードの検査（CLAMAV_SOCKET）が設定されていません。")
    return to_check(
        "サーバ自体のマルウェア対策ソフトと定義ファイルの自動更新を確認してください。",
        f"アップロードされる証跡ファイルはすべて clamd（{socket}）で検査してから保存。",
    )


def errors_hidden(ctx: Context) -> Answer:
    return judged(
        not settings.DEBUG,
        f"設定: DEBUG={settings.DEBUG}（詳細なエラーや SQL を画面に出さない）。"
        "データベースへの問合せはすべて ORM のパラメータ化（生の SQL はバックアップの固定文のみ、方針試験で検査）。",
    )


def framework(text: str) -> Callable[[Context], Answer]:
    """An item the framework answers, while DEBUG is off."""
    return lambda ctx: judged(not settings.DEBUG, text, f"設定: DEBUG={settings.DEBUG}")


def ward_operations(what: str) -> Callable[[Context], Answer]:
    """An item of the ward's own operations: a person confirms it."""
    return lambda ctx: to_check(what)


def monitoring(ctx: Context) -> Answer:
    return to_check(
        "サーバ・ネットワークの監視システムが /healthz（データベース・ジョブ・ディスク・"
        "バックアップの状態）を定期的に確認していることを確かめてください。",
        heartbeat_line("ジョブ実行の死活（worker）", heartbeat(WORKER)),
    )


def alerting(ctx: Context) -> Answer:
    return judged(
        recent_ok(heartbeat(WORKER), days=1),
        "バックアップの失敗と認証ログの異常は管理者に通知（アラート画面とメール）。"
        "/healthz は異常時に 503 を返す。",
        heartbeat_line("ジョブ実行の死活（worker）", heartbeat(WORKER)),
        partial=True,
    )


def roles_separated(ctx: Context) -> Answer:
    return done(
        "ロール（管理者・セキュリティ審査担当・所管課・事業者・監査）ごとに権限を分離し、"
        "すべての画面は一つのアクセス判定（access.py）を通る。事業者は自社のシステムのみ。"
    )


def authentication(ctx: Context) -> Answer:
    directory = _directory(ctx)
    if directory is not None:
        return done(
            *_directory_lines(directory),
            "ディレクトリとの通信は LDAPS / StartTLS または HTTPS で、サーバ証明書を検証。"
            "ID トークンは署名・発行者・対象・有効期限を検証。",
            "ログインが既定で必須（LoginRequiredMiddleware）。",
        )
    return done(
        "ID とパスワード（argon2id で保存）で個人を認証。管理者と審査担当は二要素認証（TOTP）必須。",
        "ログインが既定で必須（LoginRequiredMiddleware）。例外は /healthz・ログイン・招待のみ。"
        "管理画面は管理者ロールと接続元の制限・二要素認証。",
    )


def software(ctx: Context) -> Answer:
    return to_check(
        "Kakunin 自身を「ソフトウェア」に登録し（依存は constraints.txt）、OS のサポート期限を確認してください。"
    )


def disposal(ctx: Context) -> Answer:
    return to_check(
        "サーバ・バックアップ媒体を廃棄するときの消去方法と証明書の受領を確認してください。"
    )


def assessment(ctx: Context) -> Answer:
    return to_check(
        "本稼働前の脆弱性診断の実施と対策結果を確認してください。",
        (
            f"Kakunin 自身の自動検査: {shown_day(ctx.scan.finished_at or timezone.now())}（検査 #{ctx.scan.pk}）"
            if ctx.scan is not None
            else f"自動検査: 未実施。{ctx.scan_note}"
        ),
    )


# Control key -> how to answer it (the control vocabulary: catalog/data/vocabulary).
# An item is answered from the readings of its controls (combine); an item none of
# whose controls is here (what the ward does itself, a cloud service's) is left alone.
ANSWERS: dict[str, Callable[[Context], Answer]] = {
    "data-inventory": lambda ctx: done(
        "確認票（回答・審査・コメント）、システムの情報と証跡ファイル、"
        "利用者（氏名・メール・所属・ロール）、監査証跡、脆弱性・記録。個人番号は扱いません。"
    ),
    "data-location": ward_operations(
        "サーバの設置場所（庁内・データセンター）を記入してください。"
    ),
    "individual-ids": personal_ids,
    "admin-user-separation": roles_separated,
    "least-privilege": roles_separated,
    "id-management": account_lifecycle,
    "unused-id-removal": account_lifecycle,
    "access-review": account_lifecycle,
    "admin-account-review": account_lifecycle,
    "test-account-removal": unneeded_accounts,
    "personal-authentication": authentication,
    "password-rules": password_composition,
    "password-masking": web_password_rules,
    "password-change": rotation,
    "password-storage": hashing,
    "account-lockout": lockout,
    "login-error-message": login_message,
    "admin-interface-restriction": admin_interface,
    "device-authentication": ward_operations(
        "接続できる端末を LGWAN の端末に限る構成（nginx・ファイアウォール）を確認してください。"
    ),
    "software-maintenance-contract": ward_operations(
        "Kakunin の保守体制（保守契約、または区での保守体制）を確認してください。"
    ),
    "patch-management": ward_operations(
        "OS と依存ライブラリ（constraints.txt で版を固定）の更新手順と適用の記録を確認してください。"
    ),
    "incident-contact": ward_operations("障害時の連絡体制図・連絡フローを確認してください。"),
    "hardware-maintenance-contract": ward_operations(
        "サーバのハードウェア保守契約を確認してください。"
    ),
    "physical-security": ward_operations(
        "設置場所の入退室管理・施錠などの物理的対策を確認してください。"
    ),
    "maintenance-terminal": ward_operations("保守に使う端末とその対策を確認してください。"),
    "maintenance-site": ward_operations("保守拠点（執務室）の対策を確認してください。"),
    "backup-frequency": backups,
    "restore-test": recovery,
    "offsite-backup": offsite,
    "system-monitoring": monitoring,
    "failure-alerting": alerting,
    "anti-malware": malware,
    "malware-definition-updates": ward_operations(
        "clamd（freshclam）とサーバのマルウェア定義ファイルが自動更新されていることを確認してください。"
    ),
    "intrusion-detection": ward_operations("IPS/IDS の導入とシグネチャの更新を確認してください。"),
    "waf": ward_operations("WAF の導入（または区の WAF の対象であること）を確認してください。"),
    "log-collection": audit_logs,
    "security-event-logging": audit_logs,
    "log-retention": retention,
    "log-review": lambda ctx: to_check(
        "監査証跡とアラートを確認する担当と頻度を決め、実施を記録してください。",
        auth_log_review(ctx).text,
    ),
    "auth-log-monitoring": auth_log_review,
    "remote-connection": lambda ctx: ctx.from_scan(
        "tls-version", "通信の暗号化（TLS 1.2 以上）", "端末からは LGWAN 内の HTTPS のみで接続。"
    ),
    "unneeded-services": ward_operations(
        "サーバで Kakunin（nginx・gunicorn）と必要なもの以外のサービスが止まっていることを確認してください。"
    ),
    "port-filtering": lambda ctx: ctx.from_scan("port-filtering", "公開ポート"),
    "version-hiding": lambda ctx: ctx.from_scan(
        "version-hiding",
        "バージョン情報の非表示",
        "アプリはバージョンを出さない（/healthz も版を返さない）。",
    ),
    "unpublished-files": lambda ctx: ctx.from_scan(
        "unpublished-files", "公開不要なファイル・ディレクトリ一覧"
    ),
    "error-disclosure": errors_hidden,
    "sql-injection": errors_hidden,
    "session-id-generation": lambda ctx: done(
        f"Django のセッション管理（{settings.SESSION_ENGINE}）を使用。"
        "セッションIDは暗号論的乱数、ログイン時に再生成。"
    ),
    "session-id-transport": lambda ctx: done(
        "セッションIDは Cookie（HttpOnly・SameSite=Lax）のみで受け渡し、URL には入れない。"
    ),
    "cookie-flags": cookie_secure,
    "csrf": csrf,
    "session-termination": sessions,
    "os-command-injection": framework(
        "シェルを起動しない（外部コマンドは引数の配列で起動、方針試験で検査）。"
    ),
    "path-traversal": framework(
        "利用者の入力をファイル名に使わない（証跡は生成した UUID の名前で保存）。"
    ),
    "xss": framework(
        "出力はテンプレートで自動エスケープ。Content-Security-Policy で外部スクリプトを禁止。"
    ),
    "http-header-injection": framework(
        "ヘッダは Django の API で出力（改行を含む値は拒否される）。"
    ),
    "mail-header-injection": framework(
        "メールヘッダは固定値で、Django のメール API を使用（改行を含むヘッダは拒否される）。"
    ),
    "clickjacking": clickjacking,
    "https": https,
    "server-certificate": lambda ctx: ctx.from_scan("server-certificate", "サーバ証明書"),
    "tls-version": lambda ctx: ctx.from_scan("tls-version", "TLS 1.2 以上のみ"),
    "data-encryption": encryption,
    "software-inventory": software,
    "eol-management": software,
    "vulnerability-information": ward_operations(
        "JPCERT/CC・IPA の注意喚起と依存ライブラリの脆弱性情報を確認する担当を決めてください。"
    ),
    "security-status-report": ward_operations("年1回の報告（運用時の報告書）を作成してください。"),
    "vulnerability-assessment": assessment,
    "domain-management": ward_operations(
        "ドメイン（ホスト名）の管理者と管理方法を確認してください。"
    ),
    "domain-change": ward_operations("ドメインを変更する予定がないことを確認してください。"),
    "domain-retirement": ward_operations("利用をやめるドメインの扱いを確認してください。"),
    "data-erasure": disposal,
    "disposal-certificate": disposal,
}


def reader(ctx: Context, controls: list[str]) -> Callable[[], Answer] | None:
    """How to answer an item that asks about `controls`: the readings of those the
    table knows, each taken once, combined; None where it knows none of them."""
    found = list(dict.fromkeys(ANSWERS[c] for c in controls if c in ANSWERS))
    if not found:
        return None
    return lambda: combine([how(ctx) for how in found])


def combine(readings: list[Answer]) -> Answer:
    """One answer from several: 未対応 where any part is not done; else 要確認 where
    any needs a person; else 一部対応 where any is partial; else 対応済. The texts
    follow each other, what needs a person first."""
    if len(readings) == 1:
        return readings[0]
    statuses = {r.status for r in readings}
    text = "\n".join(r.text for r in sorted(readings, key=lambda r: not r.to_check))
    for status in (Status.NOT_DONE, CHECK, Status.PARTIAL):
        if status in statuses:
            return Answer(status, text)
    return done(text)
