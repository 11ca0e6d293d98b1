//! Charts drawn with plotters, each written as SVG (for the markdown reports) and PNG (to look at). Text uses
//! an embedded DejaVu Sans (reports/assets), so charts render the same on any machine, fonts installed or not.
//! Colors are fixed, so charts are deterministic.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Errors while drawing or writing a chart.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw chart '{path}': {detail}")]
pub struct ChartError {
    /// The chart file.
    pub path: PathBuf,
    /// What went wrong.
    pub detail: String,
}

/// The fixed palette (colorblind-friendly, Okabe–Ito).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(240, 228, 66),
];

static FONT: Once = Once::new();

fn register_font() {
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../assets/DejaVuSans.ttf");
        // The embedded font is valid; a failure would only mean text is not drawn.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, bytes);
    });
}

/// One line (with points) of a panel.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// (x, y) points, in x order.
    pub points: Vec<(f64, f64)>,
}

/// A labelled point drawn on top of a panel (e.g. the knee, a budget choice).
#[derive(Debug, Clone)]
pub struct Marker {
    /// x.
    pub x: f64,
    /// y.
    pub y: f64,
    /// Label.
    pub label: String,
}

/// One plot of a figure.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    /// Panel title.
    pub title: String,
    /// x axis label, with unit.
    pub x_label: String,
    /// y axis label, with unit.
    pub y_label: String,
    /// Lines.
    pub series: Vec<Series>,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// Highlighted points.
    pub markers: Vec<Marker>,
    /// Horizontal reference lines (y, label).
    pub hlines: Vec<(f64, String)>,
    /// Put the legend in the lower right corner (default: upper left).
    pub legend_lower_right: bool,
}

/// The drawing helpers below return plotters' error as text (its type is generic over the backend, SVG or PNG);
/// [`render`] turns it into a [`ChartError`] naming the file, the only error this module returns.
fn err(path: &Path) -> impl Fn(String) -> ChartError + '_ {
    move |detail| ChartError { path: path.to_path_buf(), detail }
}

fn bounds(p: &Panel) -> Option<((f64, f64), (f64, f64))> {
    let pts: Vec<(f64, f64)> = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .chain(p.markers.iter().map(|m| (m.x, m.y)))
        .filter(|(x, y)| x.is_finite() && y.is_finite() && (!p.log_x || *x > 0.0) && (!p.log_y || *y > 0.0))
        .collect();
    if pts.is_empty() {
        return None;
    }
    let (mut x0, mut x1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), (x, _)| (a.min(*x), b.max(*x)));
    let (mut y0, mut y1) = pts.iter().chain(p.hlines.iter().map(|(y, _)| (0.0, *y)).collect::<Vec<_>>().iter()).fold((f64::MAX, f64::MIN), |(a, b), (_, y)| (a.min(*y), b.max(*y)));
    if p.log_x {
        x0 /= 1.3;
        x1 *= 1.3;
    } else {
        let pad = ((x1 - x0) * 0.05).max(1e-9);
        x0 -= pad;
        x1 += pad;
    }
    if p.log_y {
        y0 = (y0 / 1.5).max(f64::MIN_POSITIVE);
        y1 *= 1.5;
    } else {
        let pad = ((y1 - y0) * 0.08).max(y1.abs() * 0.05).max(1e-9);
        y0 = if y0 >= 0.0 { 0.0 } else { y0 - pad };
        y1 += pad;
    }
    Some(((x0, x1), (y0, y1)))
}

fn draw_panel_in<DB, X, Y>(area: &DrawingArea<DB, Shift>, p: &Panel, xr: X, yr: Y) -> Result<(), String>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(70)
        .build_cartesian_2d(xr, yr)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(&p.x_label)
        .y_desc(&p.y_label)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(7)
        .y_labels(7)
        .x_label_formatter(&|v| short_num(*v))
        .y_label_formatter(&|v| short_num(*v))
        .draw()
        .map_err(e)?;
    for (y, label) in &p.hlines {
        let (x0, x1) = (chart.x_range().start, chart.x_range().end);
        chart
            .draw_series(DashedLineSeries::new(vec![(x0, *y), (x1, *y)], 8, 5, RGBColor(80, 80, 80).stroke_width(2)))
            .map_err(e)?
            .label(label.clone())
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RGBColor(80, 80, 80).stroke_width(2)));
    }
    for (i, s) in p.series.iter().enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
        if pts.is_empty() {
            continue; // no legend entry for a series without data
        }
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
            .map_err(e)?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        chart.draw_series(pts.iter().map(|&(x, y)| Circle::new((x, y), 3, c.filled()))).map_err(e)?;
    }
    for m in &p.markers {
        let label = m.label.clone();
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((m.x, m.y))
                    + TriangleMarker::new((0, 0), 9, BLACK.filled())
                    + Text::new(label, (10, 6), ("sans-serif", 15).into_font().color(&BLACK)),
            ))
            .map_err(e)?;
    }
    if p.series.len() > 1 || !p.hlines.is_empty() {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .label_font(("sans-serif", 13))
            .position(if p.legend_lower_right { SeriesLabelPosition::LowerRight } else { SeriesLabelPosition::UpperLeft })
            .draw()
            .map_err(e)?;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> Result<(), String> {
    let Some(((x0, x1), (y0, y1))) = bounds(p) else {
        area.titled(&format!("{} (no data)", p.title), ("sans-serif", 18)).map_err(|e| e.to_string())?;
        return Ok(());
    };
    match (p.log_x, p.log_y) {
        (false, false) => draw_panel_in(area, p, x0..x1, y0..y1),
        (true, false) => draw_panel_in(area, p, (x0..x1).log_scale(), y0..y1),
        (false, true) => draw_panel_in(area, p, x0..x1, (y0..y1).log_scale()),
        (true, true) => draw_panel_in(area, p, (x0..x1).log_scale(), (y0..y1).log_scale()),
    }
}

/// Compact tick labels: 1.5k, 2M, 0.25.
pub fn short_num(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.3}G", v / 1e9).trim_end_matches('0').trim_end_matches('.').replace(".G", "G")
    } else if a >= 1e6 {
        trim(format!("{:.2}", v / 1e6)) + "M"
    } else if a >= 1e4 {
        trim(format!("{:.1}", v / 1e3)) + "k"
    } else if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        trim(format!("{v:.2}"))
    } else {
        trim(format!("{v:.3}"))
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn draw_figure<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, title: &str, panels: &[Panel], cols: usize) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let body = if title.is_empty() { root.clone() } else { root.titled(title, ("sans-serif", 26)).map_err(|e| e.to_string())? };
    let cols = cols.max(1);
    let rows = panels.len().div_ceil(cols).max(1);
    for (area, p) in body.split_evenly((rows, cols)).iter().zip(panels) {
        draw_panel(area, p)?;
    }
    root.present().map_err(|e| e.to_string())
}

/// Writes a figure of `panels` in a grid of `cols` columns as `dir/stem.svg` and `dir/stem.png`.
pub fn write_figure(dir: &Path, stem: &str, title: &str, panels: &[Panel], cols: usize) -> Result<Vec<PathBuf>, ChartError> {
    register_font();
    let cols = cols.max(1);
    let rows = panels.len().div_ceil(cols).max(1) as u32;
    let size = (560 * cols as u32, 380 * rows + if title.is_empty() { 0 } else { 40 });
    render(dir, stem, size, |area| draw_figure(area.0, title, panels, cols), |area| draw_figure(area, title, panels, cols))
}

/// Wraps an SVG drawing area so that both backends can be passed to one renderer.
pub struct SvgArea<'a>(pub DrawingArea<SVGBackend<'a>, Shift>);

fn render(
    dir: &Path,
    stem: &str,
    size: (u32, u32),
    svg: impl FnOnce(SvgArea<'_>) -> Result<(), String>,
    png: impl FnOnce(DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<Vec<PathBuf>, ChartError> {
    std::fs::create_dir_all(dir).map_err(|e| ChartError { path: dir.to_path_buf(), detail: e.to_string() })?;
    let svg_path = dir.join(format!("{stem}.svg"));
    let png_path = dir.join(format!("{stem}.png"));
    {
        let area = SVGBackend::new(&svg_path, size).into_drawing_area();
        svg(SvgArea(area)).map_err(err(&svg_path))?;
    }
    {
        let area = BitMapBackend::new(&png_path, size).into_drawing_area();
        png(area).map_err(err(&png_path))?;
    }
    Ok(vec![svg_path, png_path])
}

/// One stack of a stacked bar chart: a class and its value in each category.
#[derive(Debug, Clone)]
pub struct Stack {
    /// Legend label.
    pub name: String,
    /// Value per category (same order as the categories).
    pub values: Vec<f64>,
    /// Fill color; `None` takes the next color of [`PALETTE`].
    pub color: Option<RGBColor>,
}

/// Fill of "GPU idle" in the step chart (light grey: nothing ran).
pub const IDLE: RGBColor = RGBColor(200, 200, 200);

/// Fill of "host-only" in the step chart (dark grey: the CPU's time alone).
pub const HOST: RGBColor = RGBColor(90, 90, 90);

fn draw_stacked<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, title: &str, categories: &[String], stacks: &[Stack], y_label: &str) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let n = categories.len().max(1) as u32;
    let total_max = (0..n as usize).map(|c| stacks.iter().map(|s| s.values.get(c).copied().unwrap_or(0.0)).sum::<f64>()).fold(0.0, f64::max).max(1e-9);
    // `0..n` has n + 1 segments: one per category and an empty one on the right for the legend.
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d((0u32..n).into_segmented(), 0.0..total_max * 1.05)
        .map_err(e)?;
    let cats = categories.to_vec();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc(y_label)
        .x_label_formatter(&move |v| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => cats.get(*i as usize).cloned().unwrap_or_default(),
            SegmentValue::Last => String::new(),
        })
        .y_label_formatter(&|v| short_num(*v))
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 15))
        .draw()
        .map_err(e)?;
    let mut base = vec![0.0; n as usize];
    for (si, s) in stacks.iter().enumerate() {
        let c = s.color.unwrap_or(PALETTE[si % PALETTE.len()]);
        let rects: Vec<Rectangle<(SegmentValue<u32>, f64)>> = (0..n)
            .map(|ci| {
                let v = s.values.get(ci as usize).copied().unwrap_or(0.0);
                let b = base[ci as usize];
                base[ci as usize] += v;
                let mut r = Rectangle::new([(SegmentValue::Exact(ci), b), (SegmentValue::Exact(ci + 1), b + v)], c.filled());
                r.set_margin(0, 0, 25, 25);
                r
            })
            .collect();
        chart
            .draw_series(rects)
            .map_err(e)?
            .label(s.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

/// Writes a stacked bar chart (one bar per category) as SVG and PNG.
pub fn write_stacked_bars(dir: &Path, stem: &str, title: &str, categories: &[String], stacks: &[Stack], y_label: &str) -> Result<Vec<PathBuf>, ChartError> {
    register_font();
    // Wide enough for every category's label and the legend's column.
    let label = categories.iter().map(|c| c.chars().count()).max().unwrap_or(0) as u32;
    let size = (900u32.max((categories.len() as u32 + 1) * (label * 9 + 30) + 100).min(4000), 520);
    render(dir, stem, size, |a| draw_stacked(a.0, title, categories, stacks, y_label), |a| draw_stacked(a, title, categories, stacks, y_label))
}

/// A kernel on the roofline: arithmetic intensity (FLOP/byte), achieved GFLOP/s, label, verdict.
#[derive(Debug, Clone)]
pub struct RoofPoint {
    /// FLOP per DRAM byte.
    pub ai: f64,
    /// Achieved GFLOP/s.
    pub gflops: f64,
    /// Label.
    pub label: String,
    /// Verdict (colors the point).
    pub bound: String,
}

fn draw_roofline<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, title: &str, pts: &[RoofPoint], peak_gflops: f64, peak_gbs: f64) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let ridge = peak_gflops / peak_gbs;
    let ais: Vec<f64> = pts.iter().map(|p| p.ai).filter(|v| *v > 0.0).chain([ridge]).collect();
    let x0 = ais.iter().cloned().fold(f64::MAX, f64::min) / 10.0;
    let x1 = ais.iter().cloned().fold(f64::MIN, f64::max) * 10.0;
    let ys: Vec<f64> = pts.iter().map(|p| p.gflops).filter(|v| *v > 0.0).chain([peak_gflops, peak_gbs * x0]).collect();
    let y0 = ys.iter().cloned().fold(f64::MAX, f64::min) / 10.0;
    let y1 = peak_gflops * 3.0;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("arithmetic intensity (FLOP / DRAM byte)")
        .y_desc("achieved GFLOP/s")
        .x_label_formatter(&|v| short_num(*v))
        .y_label_formatter(&|v| short_num(*v))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .draw()
        .map_err(e)?;
    let roof: Vec<(f64, f64)> = (0..=200).map(|i| x0 * (x1 / x0).powf(i as f64 / 200.0)).map(|x| (x, (x * peak_gbs).min(peak_gflops))).collect();
    chart
        .draw_series(LineSeries::new(roof, BLACK.stroke_width(2)))
        .map_err(e)?
        .label(format!("roof: {} GB/s, {} GFLOP/s (FP32)", short_num(peak_gbs), short_num(peak_gflops)))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(vec![(ridge, y0), (ridge, peak_gflops)], RGBColor(150, 150, 150).stroke_width(1)))
        .map_err(e)?
        .label(format!("ridge {:.1} FLOP/byte", ridge))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RGBColor(150, 150, 150)));
    for (bi, bound) in ["memory-bound", "compute-bound", "latency-bound", "unknown"].iter().enumerate() {
        let c = PALETTE[bi % PALETTE.len()];
        let mine: Vec<&RoofPoint> = pts.iter().filter(|p| p.bound == *bound && p.ai > 0.0 && p.gflops > 0.0).collect();
        if mine.is_empty() {
            continue;
        }
        chart
            .draw_series(mine.iter().map(|p| Circle::new((p.ai, p.gflops), 6, c.filled())))
            .map_err(e)?
            .label(bound.to_string())
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, c.filled()));
        chart
            .draw_series(mine.iter().map(|p| Text::new(format!(" {}", p.label), (p.ai, p.gflops), ("sans-serif", 13).into_font().color(&BLACK))))
            .map_err(e)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

/// Writes a log-log roofline chart of `pts` under the roof of `peak_gflops` and `peak_gbs` (ridge marked).
pub fn write_roofline(dir: &Path, stem: &str, title: &str, pts: &[RoofPoint], peak_gflops: f64, peak_gbs: f64) -> Result<Vec<PathBuf>, ChartError> {
    register_font();
    render(dir, stem, (900, 620), |a| draw_roofline(a.0, title, pts, peak_gflops, peak_gbs), |a| draw_roofline(a, title, pts, peak_gflops, peak_gbs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels() {
        assert_eq!(short_num(1500.0), "1500");
        assert_eq!(short_num(15000.0), "15k");
        assert_eq!(short_num(2_500_000.0), "2.5M");
        assert_eq!(short_num(0.25), "0.25");
        assert_eq!(short_num(0.0), "0");
    }
}

/// One cell of a heatmap.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A number, colored on the chart's scale, with its text.
    Value(f64, String),
    /// A category (a verdict), colored by its own color, with its text.
    Category(RGBColor, String),
    /// Not measured (OOM, error, absent), shown grey with its reason.
    Missing(String),
}

/// Light-to-dark blue scale of the heatmaps, `t` in 0..=1.
fn scale(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    RGBColor(lerp(222, 8), lerp(235, 48), lerp(247, 107))
}

/// A heatmap: rows `y_labels` bottom to top, columns `x_labels`, `cells[y][x]`.
#[derive(Debug, Clone, Default)]
pub struct Heatmap {
    /// Title.
    pub title: String,
    /// Column labels, left to right.
    pub x_labels: Vec<String>,
    /// Row labels, bottom to top.
    pub y_labels: Vec<String>,
    /// `cells[y][x]`.
    pub cells: Vec<Vec<Cell>>,
    /// x axis description.
    pub x_desc: String,
    /// y axis description.
    pub y_desc: String,
}

fn draw_heatmap<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, h: &Heatmap) -> Result<(), String> {
    let (title, x_labels, y_labels, cells, x_desc, y_desc) = (h.title.as_str(), &h.x_labels, &h.y_labels, &h.cells, h.x_desc.as_str(), h.y_desc.as_str());
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (nx, ny) = (x_labels.len().max(1) as u32, y_labels.len().max(1) as u32);
    // Segmented axes: one segment per column and row, labels at their centers.
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(70)
        // (A segmented `0..n` has n + 1 segments: `0..n - 1` has one per column or row.)
        .build_cartesian_2d((0u32..nx - 1).into_segmented(), (0u32..ny - 1).into_segmented())
        .map_err(e)?;
    let (xl, yl) = (x_labels.to_vec(), y_labels.to_vec());
    let name = |labels: &[String], v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
        SegmentValue::Last => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(nx as usize)
        .y_labels(ny as usize)
        .x_label_formatter(&move |v| name(&xl, v))
        .y_label_formatter(&move |v| name(&yl, v))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 14))
        .draw()
        .map_err(e)?;
    let values: Vec<f64> = cells.iter().flatten().filter_map(|c| if let Cell::Value(v, _) = c { Some(*v) } else { None }).filter(|v| v.is_finite()).collect();
    let (lo, hi) = (values.iter().copied().fold(f64::INFINITY, f64::min), values.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    for (y, row) in cells.iter().enumerate() {
        for (x, c) in row.iter().enumerate() {
            let (fill, text) = match c {
                Cell::Value(v, t) => (scale(if hi > lo { (v - lo) / (hi - lo) } else { 0.5 }), t.clone()),
                Cell::Category(col, t) => (*col, t.clone()),
                Cell::Missing(t) => (RGBColor(235, 235, 235), t.clone()),
            };
            let (x, y) = (x as u32, y as u32);
            let (a, b) = ((SegmentValue::Exact(x), SegmentValue::Exact(y)), (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)));
            chart.draw_series(std::iter::once(Rectangle::new([a.clone(), b.clone()], fill.filled()))).map_err(e)?;
            chart.draw_series(std::iter::once(Rectangle::new([a.clone(), b.clone()], WHITE.stroke_width(2)))).map_err(e)?;
            let dark = (fill.0 as u32 + fill.1 as u32 + fill.2 as u32) < 380;
            let color = if dark { WHITE } else { BLACK };
            let (px, py) = chart.backend_coord(&a);
            let (qx, qy) = chart.backend_coord(&b);
            let style = ("sans-serif", 14).into_font().color(&color).pos(plotters::style::text_anchor::Pos::new(plotters::style::text_anchor::HPos::Center, plotters::style::text_anchor::VPos::Center));
            root.draw_text(&text, &style, ((px + qx) / 2, (py + qy) / 2)).map_err(e)?;
        }
    }
    root.present().map_err(e)
}

/// Writes a heatmap as SVG and PNG.
pub fn write_heatmap(dir: &Path, stem: &str, h: &Heatmap) -> Result<Vec<PathBuf>, ChartError> {
    register_font();
    let size = ((180 + 110 * h.x_labels.len() as u32).clamp(520, 2400), (130 + 60 * h.y_labels.len() as u32).clamp(320, 1600));
    render(dir, stem, size, |a| draw_heatmap(a.0, h), |a| draw_heatmap(a, h))
}
