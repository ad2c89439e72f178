"""A relevance set for search: FAQ entries as a shop would write them, and
queries as customers type them (words, whole sentences, other wordings), each
with the tips that answer it. Written from customers' point of view, not from
the engine's: several queries share no word with their answer on purpose.
"""

TIPS = {
    # --- Japanese ---------------------------------------------------------------------------
    "j_shipping_fee": (
        "送料はいくらですか？",
        "全国一律550円です。5,000円以上のご注文で送料無料になります。沖縄・離島は別途料金がかかります。",
    ),
    "j_free_shipping": (
        "送料無料の条件を教えてください",
        "1回のご注文金額が税込5,000円以上の場合、送料が無料になります。",
    ),
    "j_delivery_days": (
        "注文してから届くまで何日かかりますか？",
        "通常、ご注文から2〜4営業日でお届けします。繁忙期は遅れる場合があります。",
    ),
    "j_not_arrived": (
        "注文した商品が届きません",
        "発送完了メールに記載の追跡番号で配送状況をご確認ください。1週間以上届かない場合はお問い合わせください。",
    ),
    "j_tracking": (
        "配送状況の確認方法",
        "マイページの注文履歴から追跡番号を確認し、配送業者のサイトで荷物の現在地を確認できます。",
    ),
    "j_return": (
        "返品の方法を教えてください",
        "商品到着後30日以内であれば、マイページの注文履歴から返品を申し込めます。未使用品に限ります。",
    ),
    "j_refund": (
        "返金はいつされますか？",
        "返品された商品の到着を確認後、5営業日以内にご指定の方法で払い戻しいたします。",
    ),
    "j_exchange": (
        "サイズ交換はできますか？",
        "在庫がある場合に限り、商品到着後14日以内であれば別のサイズと交換できます。",
    ),
    "j_defective": (
        "届いた商品が壊れていた",
        "初期不良や破損の場合は送料当社負担で交換いたします。写真を添えてご連絡ください。",
    ),
    "j_cancel": (
        "注文をキャンセルしたい",
        "発送準備に入る前であれば、マイページの注文履歴から注文を取り消すことができます。",
    ),
    "j_change_address": (
        "お届け先を変更したい",
        "発送前であればマイページから配送先住所を変更できます。発送後の変更は配送業者へご連絡ください。",
    ),
    "j_register": (
        "会員登録の方法",
        "トップページの「新規登録」からメールアドレスとパスワードを入力して登録してください。",
    ),
    "j_member_benefit": (
        "会員になるメリットは？",
        "会員の方はお買い物ごとにポイントが貯まり、誕生日クーポンも届きます。",
    ),
    "j_password": (
        "パスワードを忘れてしまいました",
        "ログイン画面の「パスワードをお忘れの方」から再設定用のメールを受け取れます。",
    ),
    "j_login": (
        "ログインできません",
        "メールアドレスとパスワードをご確認ください。5回続けて間違えるとアカウントが30分ロックされます。",
    ),
    "j_withdraw": ("退会したい", "マイページの「アカウント設定」から退会手続きができます。保有ポイントは失効します。"),
    "j_points_expiry": ("ポイントの有効期限はありますか？", "ポイントの有効期限は最終ご利用日から1年間です。"),
    "j_points_use": ("ポイントの使い方", "お支払い画面で利用するポイント数を入力すると、1ポイント1円として使えます。"),
    "j_payment": (
        "支払い方法は何がありますか？",
        "クレジットカード、コンビニ払い、代金引換、銀行振込をご利用いただけます。",
    ),
    "j_receipt": ("領収書は発行できますか？", "マイページの注文履歴から領収書をPDFでダウンロードできます。"),
    "j_iphone_app": ("iPhoneアプリの通知設定", "iPhoneの「設定」アプリから通知をオンにすると、セール情報が届きます。"),
    "j_android": ("Androidアプリが起動しない", "アプリを最新版に更新し、端末を再起動してください。"),
    "j_gift": ("ギフト包装はできますか？", "1点につき300円でギフト包装を承ります。カートでお選びください。"),
    "j_weekend_delivery": (
        "土日や祝日も配達していますか？",
        "土日祝日も配達しております。ただしお問い合わせ窓口は平日のみの対応です。",
    ),
    "j_time_slot": (
        "配達時間を指定できますか？",
        "ご注文時に午前中、14-16時、16-18時、18-20時、19-21時から配達時間帯を指定できます。",
    ),
    "j_hours": ("お問い合わせ窓口の営業時間", "平日10時から18時まで電話とチャットで受け付けています。"),
    "j_coupon": ("クーポンが使えません", "クーポンには有効期限と最低購入金額があります。条件をご確認ください。"),
    "j_overseas": ("海外への発送はできますか？", "現在、日本国内のみの発送となっております。"),
    # --- English ----------------------------------------------------------------------------
    "e_shipping_cost": (
        "How much does shipping cost?",
        "Standard shipping is $5 within the country and free on orders over $50.",
    ),
    "e_delivery_time": (
        "How long does delivery take?",
        "Orders usually arrive within 3 to 5 business days after they ship.",
    ),
    "e_track": (
        "How can I track my order?",
        "Once your order ships we email you a tracking number. Enter it on the carrier's website to see where your "
        "parcel is.",
    ),
    "e_return": (
        "How do I return an item?",
        "You can return unused items within 30 days. Start a return from your order history and print the prepaid "
        "label.",
    ),
    "e_refund": (
        "When will I get my refund?",
        "Refunds are issued to your original payment method within 5 business days after we receive the returned item.",
    ),
    "e_cancel": (
        "Can I cancel my order?",
        "You can cancel an order until it is packed. Go to your order history and choose Cancel order.",
    ),
    "e_password": (
        "How do I reset my password?",
        'Click "Forgot password" on the sign-in page and follow the link we email you.',
    ),
    "e_account_delete": (
        "How do I delete my account?",
        "Go to Account settings and choose Close account. Your points will be lost.",
    ),
    "e_payment": (
        "Which payment methods do you accept?",
        "We accept Visa, Mastercard, American Express, PayPal and Apple Pay.",
    ),
    "e_international": ("Do you ship internationally?", "We currently ship to the United States and Canada only."),
    "e_weekend": (
        "Do you deliver on Saturdays and Sundays?",
        "Yes, our carriers deliver seven days a week, but our support team answers on weekdays.",
    ),
    "e_damaged": (
        "My item arrived damaged",
        "We are sorry. Send us a photo within 7 days and we will send a replacement or refund you.",
    ),
    "e_wrong_item": (
        "I received the wrong item",
        "Contact us with your order number and a photo; we will ship the right item and collect the wrong one free of "
        "charge.",
    ),
    "e_gift_card": (
        "How do I use a gift card?",
        'Enter the gift card code at checkout in the "Gift card or promo code" field.',
    ),
    "e_address": (
        "How do I change my shipping address?",
        "You can edit the delivery address from your order page until the order ships.",
    ),
    "e_invoice": ("Can I get an invoice for my order?", "Download a PDF receipt from the order history page."),
    "e_newsletter": (
        "How do I unsubscribe from emails?",
        'Click "Unsubscribe" at the bottom of any newsletter, or turn emails off in your account settings.',
    ),
    "e_size_guide": (
        "How do I find my size?",
        "Each product page has a size guide with measurements in centimetres and inches.",
    ),
    "e_exchange": (
        "Can I exchange an item for a different size?",
        "Yes, exchanges are free within 30 days if the new size is in stock.",
    ),
    "e_app_login": (
        "I can't log in to the app",
        "Update the app to the latest version and sign in again with your email and password.",
    ),
}

# (query, tips that answer it): a query counts as found when one of them is in the top 3.
QUERIES = [
    # Japanese: words
    ("送料", {"j_shipping_fee", "j_free_shipping"}),
    ("返品", {"j_return"}),
    ("返金", {"j_refund"}),
    ("会員登録", {"j_register"}),
    ("支払い方法", {"j_payment"}),
    ("ギフト包装", {"j_gift"}),
    ("海外発送", {"j_overseas"}),
    ("退会方法", {"j_withdraw"}),
    ("配送料", {"j_shipping_fee", "j_free_shipping"}),
    ("iPhone 設定", {"j_iphone_app"}),
    ("ＩＰＨＯＮＥ　通知", {"j_iphone_app"}),
    ("会員特典", {"j_member_benefit"}),
    # Japanese: compounds written apart, inflections
    ("会員の登録方法", {"j_register"}),
    ("パスワード再設定", {"j_password"}),
    ("ポイントの有効期限", {"j_points_expiry"}),
    ("配達時間の指定", {"j_time_slot"}),
    ("注文の取り消し", {"j_cancel"}),
    ("荷物が届かない", {"j_not_arrived", "j_tracking"}),
    ("ログインできない", {"j_login"}),
    ("クーポンが使えない", {"j_coupon"}),
    ("アプリが起動しません", {"j_android"}),
    ("破損していた場合", {"j_defective"}),
    # Japanese: whole sentences
    ("送料はいくら", {"j_shipping_fee"}),
    ("沖縄への送料はいくらですか", {"j_shipping_fee"}),
    ("送料無料になる金額は？", {"j_free_shipping"}),
    ("何日で届きますか", {"j_delivery_days"}),
    ("注文した商品がまだ届かないのですが", {"j_not_arrived"}),
    ("配送状況を確認したい", {"j_tracking"}),
    ("追跡番号はどこで見られますか", {"j_tracking", "j_not_arrived"}),
    ("返品したいのですが", {"j_return"}),
    ("商品を返却したい", {"j_return"}),
    ("払い戻しはいつですか", {"j_refund"}),
    ("お金はいつ戻ってきますか", {"j_refund"}),
    ("サイズを交換したい", {"j_exchange"}),
    ("商品が壊れていました", {"j_defective"}),
    ("注文をキャンセルできますか", {"j_cancel"}),
    ("配送先の住所を変えたい", {"j_change_address"}),
    ("アカウントを作りたい", {"j_register"}),
    ("パスワードを忘れた", {"j_password"}),
    ("ポイントはいつまで使えますか", {"j_points_expiry"}),
    ("ポイントの使い方を知りたい", {"j_points_use"}),
    ("コンビニで払えますか", {"j_payment"}),
    ("領収書がほしい", {"j_receipt"}),
    ("アプリの通知をオンにしたい", {"j_iphone_app"}),
    ("プレゼント用に包んでほしい", {"j_gift"}),
    ("土日も配達してますか", {"j_weekend_delivery"}),
    ("週末に届けてもらえますか", {"j_weekend_delivery"}),
    ("電話の受付時間は何時までですか", {"j_hours"}),
    # English: words
    ("shipping cost", {"e_shipping_cost"}),
    ("track order", {"e_track"}),
    ("tracking number", {"e_track"}),
    ("refund status", {"e_refund"}),
    ("forgot password", {"e_password"}),
    ("reset password", {"e_password"}),
    ("delete account", {"e_account_delete"}),
    ("payment methods", {"e_payment"}),
    ("international shipping", {"e_international"}),
    ("damaged item", {"e_damaged"}),
    ("wrong item received", {"e_wrong_item"}),
    ("gift card code", {"e_gift_card"}),
    ("promo code", {"e_gift_card"}),
    ("change delivery address", {"e_address"}),
    ("unsubscribe newsletter", {"e_newsletter"}),
    ("size chart", {"e_size_guide"}),
    # English: sentences
    ("how much is delivery", {"e_shipping_cost"}),
    ("Do you deliver on weekends?", {"e_weekend"}),
    ("how long does shipping take", {"e_delivery_time"}),
    ("where is my parcel", {"e_track"}),
    ("I want to send back my shoes", {"e_return"}),
    ("return an item", {"e_return"}),
    ("when do I get my money back", {"e_refund"}),
    ("cancel my order", {"e_cancel"}),
    ("close my account", {"e_account_delete"}),
    ("do you take paypal", {"e_payment"}),
    ("can you ship to Canada", {"e_international"}),
    ("my package arrived broken", {"e_damaged"}),
    ("I need a receipt for my order", {"e_invoice"}),
    ("how do I stop your emails", {"e_newsletter"}),
    ("exchange for a bigger size", {"e_exchange"}),
    ("I can't log in to the app on my phone", {"e_app_login"}),
]
