//! The parser on the real seed article.

use annotator::core::article::{Article, BlockKind};
use annotator::core::text::slice_chars;

const SEED: &str = include_str!("../seeds/000_dd504da93b3e7f9a.txt");

fn count(a: &Article, kind: BlockKind) -> usize {
    a.blocks.iter().filter(|b| b.kind == kind).count()
}

#[test]
fn seed_has_the_expected_shape() {
    let a = Article::parse(SEED);
    assert_eq!(a.title(), "在新时代新征程全面建设现代化新重庆");
    assert_eq!(count(&a, BlockKind::Title), 1);
    assert_eq!(count(&a, BlockKind::Meta), 2);
    assert_eq!(count(&a, BlockKind::Heading), 3);
    assert_eq!(count(&a, BlockKind::Caption), 3);
    assert_eq!(count(&a, BlockKind::Footer), 3);
    assert_eq!(count(&a, BlockKind::Paragraph), 18);
    // The repeated title line is not a block of its own.
    assert_eq!(a.blocks.iter().filter(|b| b.text == a.title()).count(), 1);
}

#[test]
fn seed_blocks_are_in_order_and_slice_back_exactly() {
    let a = Article::parse(SEED);
    let mut last_end = 0;
    for b in &a.blocks {
        assert!(b.start >= last_end && b.start < b.end, "{b:?}");
        assert_eq!(slice_chars(&a.source, b.start, b.end), b.text);
        assert_eq!(b.text.trim(), b.text);
        last_end = b.end;
    }
}

#[test]
fn seed_headings_meta_captions_and_footer_are_the_right_lines() {
    let a = Article::parse(SEED);
    let texts = |kind| -> Vec<&str> {
        a.blocks
            .iter()
            .filter(|b| b.kind == kind)
            .map(|b| b.text.as_str())
            .collect()
    };
    assert_eq!(
        texts(BlockKind::Heading),
        [
            "一、扎实推进高质量发展各项任务落地见效",
            "二、坚持惠民富民安民努力创造高品质生活",
            "三、加快打造新时代市域党建新高地",
        ]
    );
    let meta = texts(BlockKind::Meta);
    assert!(meta[0].starts_with("来源:《求是》2023/20"));
    assert_eq!(meta[1], "中共重庆市委");
    assert!(texts(BlockKind::Caption).iter().all(|c| c.ends_with("/摄")));
    let footer = texts(BlockKind::Footer);
    assert_eq!(footer[0], "标签 -");
    assert!(footer[1].starts_with("网站编辑"));
    assert!(footer[2].bytes().all(|b| b.is_ascii_digit()));
}

#[test]
fn seed_ids_are_unique_and_stable_across_parses() {
    let a = Article::parse(SEED);
    let b = Article::parse(&SEED.replace('\n', "\r\n"));
    let ids: std::collections::HashSet<_> = a.blocks.iter().map(|b| &b.id).collect();
    assert_eq!(ids.len(), a.blocks.len());
    assert_eq!(
        a.blocks.iter().map(|b| &b.id).collect::<Vec<_>>(),
        b.blocks.iter().map(|b| &b.id).collect::<Vec<_>>()
    );
}
