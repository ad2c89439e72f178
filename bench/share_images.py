"""Time the drawing of tips' share images (qa/share_images.py), per kind of title.

Pure rendering (text in, PNG bytes out): no database, no storage. Each title
is drawn --iterations times after one warm-up draw (which loads the font);
the warm-up's time is reported on its own, since a fresh worker pays it once.

    .venv/bin/python bench/share_images.py [--iterations 20] [--out /tmp/share-images]

--out also saves each title's image there, to look at.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.share_images import find_font, render_share_image  # noqa: E402

JA_LONG = (
    "会員登録したメールアドレスを変更したいのですが、古いアドレスがすでに使えなくなっていて確認メールを受け取れません。"
    "どうすれば新しいアドレスに切り替えられますか？また、ポイントや注文履歴、お気に入りに登録した商品、定期購入の設定、"
    "クーポンの残高はすべて新しいアカウントに引き継がれますか？引き継がれない場合、事前に何をしておけばよいでしょうか。"
    "手続きの期限や、店舗で作成したアカウントの場合の違いも教えてください。"
)
EN_LONG = (
    "Why was my order split into several deliveries, and will I be charged shipping for each of the packages "
    "separately when they arrive on different days from different warehouses across the country?"
)
# (name, title, category): Japanese and English, short to 200 characters, and a few awkward ones.
TITLES = [
    ("ja-short", "返品できますか？", "返品・交換"),
    ("ja-medium", "返品の送料は誰が負担しますか？不良品の場合と、お客様都合の場合を教えてください", "返品・交換"),
    ("ja-long-200", JA_LONG[:200], "会員・アカウント"),
    (
        "ja-no-punctuation-200",
        ("ポイントカードの有効期限と失効したポイントの復活方法と家族カードとの合算について" * 6)[:200],
        "ポイント",
    ),
    ("ja-mixed", "iPhoneのアプリで「注文履歴」が表示されません（iOS 18・Wi-Fi接続時）", "アプリ"),
    ("ja-emoji", "🎁 ギフト包装はできますか？ 🎀", "ギフト"),
    ("en-short", "Reset my password", "Account"),
    ("en-medium", "How do I change the delivery address of an order I have already paid for?", "Shipping & delivery"),
    ("en-long-195", EN_LONG, "Shipping & delivery"),
    (
        "en-long-url",
        "Where is https://shop.example.com/account/orders/history/2026/details?id=1234567890abcdef",
        "Orders",
    ),
    ("en-long-word", "Supercalifragilisticexpialidocious" * 6, "Misc"),
    ("ja-long-category", "送料はいくらですか？", "配送・送料・お届け日時の指定・海外発送・離島への配送について"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--site-name", default="Tipcast")
    args = parser.parse_args()
    font = find_font()
    if font is None:
        sys.exit("No CJK font found: apt-get install fonts-noto-cjk")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    render_share_image(title="返品", category="", site_name=args.site_name, font_path=font)
    print(f"first draw in a fresh process (font loading included): {(time.perf_counter() - started) * 1000:.0f} ms")
    print(f"font: {font}; {args.iterations} draws per title\n")
    print("| title | chars | median ms | p95 ms | PNG KiB |")
    print("|---|---:|---:|---:|---:|")
    all_times = []
    for name, title, category in TITLES:
        times, png = [], b""
        for _ in range(args.iterations):
            started = time.perf_counter()
            png = render_share_image(title=title, category=category, site_name=args.site_name, font_path=font)
            times.append((time.perf_counter() - started) * 1000)
        all_times += times
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(f"| {name} | {len(title)} | {statistics.median(times):.0f} | {p95:.0f} | {len(png) / 1024:.0f} |")
        if args.out:
            (args.out / f"{name}.png").write_bytes(png)
    print(f"\nall titles: median {statistics.median(all_times):.0f} ms, max {max(all_times):.0f} ms")


if __name__ == "__main__":
    main()
