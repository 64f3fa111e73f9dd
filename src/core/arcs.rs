//! Where relation arcs go: given the screen boxes of each relation's two
//! ends, an arc rises from the top of one to the top of the other, higher
//! the more arcs it spans on the same line, so overlapping arcs stay apart
//! and their labels readable. Pure geometry: the view measures the boxes.

/// A box on screen, relative to the article: left, top, right, bottom.
pub type Rect = (f64, f64, f64, f64);

/// Height of the lowest arc above the text, and the step between levels
/// (the article's line gap is about 16 px; three levels fit in it and the
/// line above).
pub const BASE_HEIGHT: f64 = 9.0;
pub const LEVEL_STEP: f64 = 7.0;
pub const MAX_LEVEL: usize = 4;
/// Tops within this many pixels are on one line.
const SAME_LINE: f64 = 4.0;

/// One arc to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Arc {
    /// Where it starts (top middle of the `from` end) and ends.
    pub start: (f64, f64),
    pub end: (f64, f64),
    /// Its highest point's y: the label sits there.
    pub apex: f64,
    pub level: usize,
}

impl Arc {
    /// The SVG path: a cubic curve over both ends whose highest point is
    /// `apex` (a cubic with both control points at one height rises three
    /// quarters of the way to them).
    pub fn path(&self) -> String {
        let top = self.start.1.min(self.end.1);
        let control = top - (top - self.apex) * 4.0 / 3.0;
        format!(
            "M{:.1} {:.1} C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
            self.start.0,
            self.start.1,
            self.start.0,
            control,
            self.end.0,
            control,
            self.end.0,
            self.end.1
        )
    }

    /// Where the label goes: over the middle of the arc.
    pub fn label_at(&self) -> (f64, f64) {
        ((self.start.0 + self.end.0) / 2.0, self.apex)
    }

    /// The arrowhead at the `to` end, pointing down at it.
    pub fn arrow(&self) -> String {
        let (x, y) = self.end;
        format!(
            "{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
            x - 4.0,
            y - 7.0,
            x + 4.0,
            y - 7.0,
            x,
            y - 1.0
        )
    }
}

/// Arcs for relations whose ends' boxes are known, in the order given.
/// Shorter arcs are placed first, each one level above the arcs on its line
/// that it overlaps, so an arc over others is drawn above them.
pub fn layout(ends: &[(Rect, Rect)]) -> Vec<Arc> {
    let mid = |r: &Rect| (r.0 + r.2) / 2.0;
    let spans: Vec<(f64, f64, f64)> = ends
        .iter()
        .map(|(a, b)| {
            let (x1, x2) = (mid(a), mid(b));
            (x1.min(x2), x1.max(x2), a.1.min(b.1))
        })
        .collect();
    let mut order: Vec<usize> = (0..ends.len()).collect();
    order.sort_by(|&i, &j| {
        let w = |k: usize| spans[k].1 - spans[k].0;
        w(i).total_cmp(&w(j))
    });
    let mut levels = vec![0usize; ends.len()];
    let mut placed: Vec<usize> = Vec::new();
    for &i in &order {
        let (l, r, top) = spans[i];
        let below = placed
            .iter()
            .filter(|&&j| {
                let (jl, jr, jtop) = spans[j];
                (jtop - top).abs() <= SAME_LINE && jl <= r && l <= jr
            })
            .map(|&j| levels[j] + 1)
            .max()
            .unwrap_or(0);
        levels[i] = below.min(MAX_LEVEL);
        placed.push(i);
    }
    ends.iter()
        .zip(levels)
        .zip(spans)
        .map(|(((a, b), level), (_, _, top))| Arc {
            start: (mid(a), a.1),
            end: (mid(b), b.1),
            apex: top - BASE_HEIGHT - LEVEL_STEP * level as f64,
            level,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(left: f64, top: f64) -> Rect {
        (left, top, left + 36.0, top + 24.0)
    }

    #[test]
    fn an_arc_over_another_on_its_line_goes_higher() {
        let arcs = layout(&[
            (word(0.0, 100.0), word(300.0, 100.0)),
            (word(100.0, 100.0), word(200.0, 100.0)),
            // Another line: not stacked on the first two.
            (word(0.0, 200.0), word(300.0, 200.0)),
        ]);
        assert_eq!(arcs[1].level, 0);
        assert_eq!(arcs[0].level, 1);
        assert_eq!(arcs[2].level, 0);
        assert!(arcs[0].apex < arcs[1].apex);
        assert_eq!(arcs[0].start, (18.0, 100.0));
        assert_eq!(arcs[0].end, (318.0, 100.0));
    }

    #[test]
    fn levels_stop_at_the_top_level() {
        let ends: Vec<(Rect, Rect)> = (0..10)
            .map(|i| (word(0.0, 100.0), word(40.0 * (i + 1) as f64, 100.0)))
            .collect();
        let arcs = layout(&ends);
        assert!(arcs.iter().all(|a| a.level <= MAX_LEVEL));
        assert_eq!(arcs[9].level, MAX_LEVEL);
    }

    #[test]
    fn arcs_between_lines_rise_above_the_upper_end() {
        let arcs = layout(&[(word(200.0, 140.0), word(20.0, 100.0))]);
        assert_eq!(arcs[0].apex, 100.0 - BASE_HEIGHT);
        // Controls at 100 - 9 * 4/3 = 88: the curve peaks at the apex, 91.
        assert_eq!(
            arcs[0].path(),
            "M218.0 140.0 C218.0 88.0 38.0 88.0 38.0 100.0"
        );
        assert_eq!(arcs[0].label_at(), (128.0, 100.0 - BASE_HEIGHT));
    }
}
