"""The reply composer: signatures, splitting into at most 3 posts, counting, links, personal data."""

import pytest
from django.utils import translation

from conversations.compose import (
    CONTINUED_JA,
    ReplyTooLong,
    Signature,
    reply_parts,
    reply_pii_findings,
    reply_signature,
    saved_replies_for_composer,
    staff_display_name,
    tip_reply_link,
    x_reply_length,
)
from conversations.models import SignatureTemplate, StaffProfile
from publishing.compose import X_MAX_WEIGHTED_LENGTH
from qa import services

EN_SIGNATURE = Signature(text="— Sam, Tipcast support", at_start=False)
JA_SIGNATURE = Signature(text="Tipcastのワタナベです。", at_start=True)
# Seed 001's example reply (Bookoff Online), 104 characters of Japanese.
JA_SENTENCES = (
    "ご到着までお待たせしておりまして申し訳ございません。その後いかがでしょうか？"
    "不明点ございましたらお調べいたしますので、お手数おかけいたしますが"
    "カスタマーセンターまたはこちらのDMまでお問い合わせください。"
)


def x_parts(text, *, language="en", handle="customer", signature=None):
    return reply_parts(text=text, network="x", handle=handle, language=language, signature=signature)


# --- One post -------------------------------------------------------------------------------


def test_short_reply_is_one_post_with_handle_and_signature_after():
    assert x_parts("Glad it arrived!", signature=EN_SIGNATURE) == ["@customer Glad it arrived!\n— Sam, Tipcast support"]


def test_japanese_signature_opens_the_reply_as_seed_001_says():
    parts = x_parts("その後いかがでしょうか？", language="ja", handle="@yukitas63", signature=JA_SIGNATURE)
    assert parts == ["@yukitas63 Tipcastのワタナベです。その後いかがでしょうか？"]


def test_without_handle_or_signature_the_text_is_sent_as_typed():
    assert x_parts("  Hello  ", handle="") == ["Hello"]


def test_web_and_feed_replies_are_never_split():
    long_text = "word " * 2000
    for network in ("web", "feed"):
        parts = reply_parts(text=long_text, network=network, handle="x", language="en", signature=EN_SIGNATURE)
        assert len(parts) == 1 and parts[0].endswith("— Sam, Tipcast support") and "@x" not in parts[0]


# --- Splitting --------------------------------------------------------------------------------


def test_english_splits_at_sentences_and_numbers_every_part():
    sentence = "Your parcel left our warehouse this morning and should arrive tomorrow. "  # 72
    parts = x_parts(sentence * 6, signature=EN_SIGNATURE)
    assert len(parts) == 2
    assert parts[0].startswith("@customer Your parcel") and parts[0].endswith("tomorrow. (1/2)")
    assert not parts[1].startswith("@")  # the thread answers our own part 1
    assert parts[1].endswith("— Sam, Tipcast support (2/2)")
    assert all(x_reply_length(part) <= X_MAX_WEIGHTED_LENGTH for part in parts)
    # Nothing lost, nothing added but the markers.
    joined = " ".join(part.removesuffix(" (1/2)").removesuffix(" (2/2)") for part in parts)
    assert joined.replace("\n", " ").split() == ("@customer " + sentence * 6 + "— Sam, Tipcast support").split()


def test_japanese_splits_after_kuten_and_ends_all_but_the_last_with_tsuzukimasu():
    parts = x_parts(JA_SENTENCES * 2, language="ja", handle="yukitas63", signature=JA_SIGNATURE)
    assert len(parts) == 2
    assert parts[0].startswith("@yukitas63 Tipcastのワタナベです。ご到着")
    assert parts[0].endswith("ください。" + CONTINUED_JA)
    assert parts[1].endswith("ください。") and CONTINUED_JA not in parts[1] and "(2/2)" not in parts[1]
    assert all(x_reply_length(part) <= X_MAX_WEIGHTED_LENGTH for part in parts)


def test_three_parts_are_numbered_one_to_three():
    sentence = "Please check the tracking page once more later today. "  # 55
    parts = x_parts(sentence * 13)
    assert [part[-5:] for part in parts] == ["(1/3)", "(2/3)", "(3/3)"]


def test_a_fourth_post_is_refused_with_the_length_and_the_limit():
    with pytest.raises(ReplyTooLong) as refused:
        x_parts("あ。" * 450, language="ja")
    assert refused.value.limit == X_MAX_WEIGHTED_LENGTH
    assert refused.value.length == x_reply_length("@customer " + "あ。" * 450) == 1810
    assert "1810" in str(refused.value) and "3 posts of 280" in str(refused.value)
    with translation.override("ja"):
        with pytest.raises(ReplyTooLong) as refused_ja:
            x_parts("あ。" * 450, language="ja")
    assert "1810" in str(refused_ja.value) and "280" in str(refused_ja.value)
    assert "This reply" not in str(refused_ja.value)


def test_just_too_long_for_three_posts_is_refused_even_when_under_three_times_the_limit():
    # 3 × 280 = 840 weighted, but each post also carries "@handle" / markers.
    with pytest.raises(ReplyTooLong):
        x_parts("x" * 835)


def test_a_line_without_spaces_or_full_stops_is_cut_at_graphemes_never_inside_one():
    family = "👨‍👩‍👧‍👦"  # one grapheme, weight 2
    parts = x_parts(family * 200, handle="")
    assert len(parts) == 2
    for part in parts:
        body = part.removesuffix(" (1/2)").removesuffix(" (2/2)")
        assert body == family * (len(body) // len(family))  # whole families only
        assert x_reply_length(part) <= X_MAX_WEIGHTED_LENGTH


def test_a_long_english_sentence_is_cut_between_words():
    parts = x_parts("supercalifragilistic " * 20, handle="")
    assert len(parts) == 2
    assert all(word == "supercalifragilistic" for part in parts for word in part[:-6].split())


def test_lines_are_boundaries_too():
    lines = "\n".join(f"Step {n}: open the settings page and choose the shipping tab" for n in range(8))
    parts = x_parts(lines, handle="")
    assert len(parts) == 2
    assert parts[0].endswith("shipping tab (1/2)") and parts[1].startswith("Step ")


# --- Counting ----------------------------------------------------------------------------------


def test_counts_follow_x_weights_for_emoji_urls_cjk_and_latin():
    assert x_reply_length("abc") == 3
    assert x_reply_length("日本語") == 6
    assert x_reply_length("😷") == 2
    assert x_reply_length("👨‍👩‍👧‍👦") == 2
    assert x_reply_length("see https://example.com/" + "a" * 100) == 4 + 23
    assert x_reply_length("example.com") == 23  # X links bare domains too


def test_links_to_this_site_count_23_even_on_a_development_host(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert x_reply_length("http://127.0.0.1:8000/tips/12/how-do-i?utm_source=x") == 23


def test_url_weight_decides_the_split():
    link = "https://example.com/" + "p" * 300  # counts 23, not 320
    assert len(x_parts(f"Read {link} please", handle="")) == 1


def test_facebook_takes_8000_characters_in_one_comment_and_needs_no_handle():
    text = "あ" * 7000
    parts = reply_parts(text=text, network="facebook", handle="someone", language="ja", signature=None)
    assert parts == [text]
    parts = reply_parts(text="あ。" * 5000, network="facebook", handle="", language="ja", signature=None)
    assert len(parts) == 2 and parts[0].endswith(CONTINUED_JA)


# --- Signature ---------------------------------------------------------------------------------


def test_signature_uses_profile_name_site_name_and_default_templates(db, staff, settings):
    settings.SITE_NAME = "Bookoff Online"
    assert staff_display_name(staff) == "staff"
    StaffProfile.objects.create(user=staff, display_name="Watanabe")
    staff.refresh_from_db()
    assert reply_signature(user=staff, language="en") == Signature("— Watanabe, Bookoff Online support", False)
    assert reply_signature(user=staff, language="ja") == Signature("Bookoff OnlineのWatanabeです。", True)
    assert reply_signature(user=staff, language="fr").text == "— Watanabe, Bookoff Online support"


def test_signature_template_row_wins_and_braces_in_names_stay(db, staff, settings):
    settings.SITE_NAME = "Tipcast"
    StaffProfile.objects.create(user=staff, display_name="{name} Ito")
    SignatureTemplate.objects.create(language="en", template="{name} at {company}", position="start")
    staff.refresh_from_db()
    signature = reply_signature(user=staff, language="en")
    assert signature == Signature("{name} Ito at Tipcast", True)
    assert x_parts("Hi", signature=signature) == ["@customer {name} Ito at Tipcast Hi"]


# --- Links, saved replies, personal data -------------------------------------------------------


def test_tip_reply_link_uses_utm_medium_reply(make_tip, settings):
    settings.SITE_URL = "https://support.example.com"
    tip = make_tip()
    link = tip_reply_link(tip, network="x")
    assert link.startswith("https://support.example.com" + tip.get_absolute_url() + "?")
    assert "utm_source=x" in link and "utm_medium=reply" in link and "utm_campaign=tip" in link
    settings.PUBLISHING_UTM_ENABLED = False
    assert tip_reply_link(tip, network="x") == "https://support.example.com" + tip.get_absolute_url()


def test_saved_replies_in_admin_order(db):
    services.saved_reply_create(title="Refund", body="We refund within 5 days.", order=2)
    services.saved_reply_create(title="Delay", body="Sorry for the delay.", order=1)
    assert [reply.title for reply in saved_replies_for_composer()] == ["Delay", "Refund"]


def test_pii_findings_for_a_reply():
    findings = reply_pii_findings("Call 090-1234-5678 or mail a@example.com")
    assert {finding.kind for finding in findings} == {"phone", "email"}
    assert reply_pii_findings("Thanks, glad it worked!") == []


def test_when_sentences_need_a_fourth_post_words_and_characters_fill_three():
    # Ten 73-character sentences: three per post would need four posts; cut
    # between words, they fit in three.
    sentence = "Your parcel left our warehouse this morning and should arrive tomorrow. "
    parts = x_parts(sentence * 10)
    assert [part[-5:] for part in parts] == ["(1/3)", "(2/3)", "(3/3)"]
    assert " ".join(part[:-6] for part in parts).split() == ("@customer " + sentence * 10).split()
    # Japanese has no spaces: cut between characters, each post but the last says (続きます).
    japanese = JA_SENTENCES * 4  # 416 characters, 832 weighted
    with pytest.raises(ReplyTooLong):
        x_parts(japanese, language="ja")
    parts = x_parts(JA_SENTENCES * 3 + "よろしくお願いします。" * 3, language="ja")
    assert len(parts) == 3 and parts[0].endswith(CONTINUED_JA) and parts[1].endswith(CONTINUED_JA)
    assert (
        "".join(part.removesuffix(CONTINUED_JA) for part in parts)
        == "@customer " + JA_SENTENCES * 3 + "よろしくお願いします。" * 3
    )
    assert all(x_reply_length(part) <= X_MAX_WEIGHTED_LENGTH for part in parts)
