//! How a person would rather look at a table than read it. The metric declares it, because only
//! the metric knows what its rows are (months of a curve, arms of a comparison); the HTML report
//! draws it without knowing which metric made the table. A chart names columns, never values, so
//! it is drawn from the table as released: it can show nothing the printed table hides.
//!
//! In every chart the `Group` columns together name a row's group (a line, a bar's row, a forest
//! row), as they do in the printed table.

/// The chart of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    Curve(Curve),
    Bars(Bars),
    Forest(Forest),
}

/// A share by month, one line per group, with the persons behind each point printed under the
/// axis (a monthly curve's n observed, a Kaplan–Meier curve's number at risk).
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// The month column: a month index (a number) or calendar-month text, in the table's order.
    pub x: String,
    /// The share plotted, in [0, 1].
    pub y: String,
    /// The columns of the band's lower and upper bound (a 95% interval), in [0, 1].
    pub band: Option<(String, String)>,
    /// The persons per group and month printed under the axis, and what they are.
    pub n: Option<(String, String)>,
    /// A step function that starts at 0 at month `start` (a Kaplan–Meier curve of the share
    /// that has reached the event), instead of points joined by lines.
    pub step: Option<StepFrom>,
    /// Persons censored in the row's month or period: a Kaplan–Meier curve marks those months
    /// with a tick on the line, as survminer and lifelines do.
    pub censored: Option<String>,
    /// Only the rows whose column holds this text are points (the month rows of a table that
    /// also has summary rows).
    pub rows: Option<(String, String)>,
    /// Figures printed with the chart: a label and the column whose first value shown in the
    /// table it prints (a log-rank test's p).
    pub caption: Vec<(String, String)>,
    pub x_label: String,
    pub y_label: String,
}

/// Where a step curve starts from: the first row's value of this column (the month the first
/// interval begins), at share 0.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFrom {
    pub column: String,
}

/// Bars per row of the table, one bar per value column; rows named by their group columns and
/// the `label` columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// Text columns that name a row besides its groups (a funnel's stage).
    pub label: Vec<String>,
    /// The columns drawn as bars, with the legend's name for each.
    pub values: Vec<(String, String)>,
    /// The persons a row's bars rest on, printed with its name.
    pub n: Option<String>,
    /// The values are shares in [0, 1], drawn as percentages.
    pub percent: bool,
    /// Bars of one row stacked into one (parts of a whole: rose, unchanged, fell).
    pub stacked: bool,
    /// Reference lines (a requirement's thresholds, a target), with their labels.
    pub lines: Vec<(String, f64)>,
    pub axis_label: String,
}

/// A forest plot: each row's estimate with its interval, and a line at no effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Forest {
    pub estimate: String,
    pub lower: String,
    pub upper: String,
    /// The value of no effect (0 for a difference, 1 for a ratio).
    pub reference: f64,
    pub axis_label: String,
}

impl Curve {
    /// A share by month, points joined by lines.
    pub fn new(x: &str, y: &str, x_label: &str, y_label: &str) -> Curve {
        Curve {
            x: x.into(),
            y: y.into(),
            band: None,
            n: None,
            step: None,
            censored: None,
            rows: None,
            caption: Vec::new(),
            x_label: x_label.into(),
            y_label: y_label.into(),
        }
    }

    pub fn persons(mut self, column: &str, label: &str) -> Curve {
        self.n = Some((column.into(), label.into()));
        self
    }

    pub fn band(mut self, lower: &str, upper: &str) -> Curve {
        self.band = Some((lower.into(), upper.into()));
        self
    }

    pub fn censored(mut self, column: &str) -> Curve {
        self.censored = Some(column.into());
        self
    }

    pub fn steps_from(mut self, column: &str) -> Curve {
        self.step = Some(StepFrom {
            column: column.into(),
        });
        self
    }

    pub fn rows_where(mut self, column: &str, value: &str) -> Curve {
        self.rows = Some((column.into(), value.into()));
        self
    }

    pub fn caption(mut self, label: &str, column: &str) -> Curve {
        self.caption.push((label.into(), column.into()));
        self
    }

    /// The columns the chart names.
    fn columns(&self) -> Vec<&str> {
        let mut columns = vec![self.x.as_str(), self.y.as_str()];
        columns.extend(self.band.iter().flat_map(|(l, u)| [l.as_str(), u.as_str()]));
        columns.extend(self.n.iter().map(|(n, _)| n.as_str()));
        columns.extend(self.step.iter().map(|s| s.column.as_str()));
        columns.extend(self.censored.iter().map(String::as_str));
        columns.extend(self.rows.iter().map(|(c, _)| c.as_str()));
        columns.extend(self.caption.iter().map(|(_, c)| c.as_str()));
        columns
    }
}

impl Bars {
    /// Shares drawn as percentages, one bar per row.
    pub fn shares(values: &[(&str, &str)], n: Option<&str>, axis_label: &str) -> Bars {
        Bars {
            label: Vec::new(),
            values: values
                .iter()
                .map(|(c, l)| (c.to_string(), l.to_string()))
                .collect(),
            n: n.map(str::to_string),
            percent: true,
            stacked: false,
            lines: Vec::new(),
            axis_label: axis_label.into(),
        }
    }

    /// Other values (means), drawn on their own scale.
    pub fn values(values: &[(&str, &str)], n: Option<&str>, axis_label: &str) -> Bars {
        Bars {
            percent: false,
            ..Bars::shares(values, n, axis_label)
        }
    }

    pub fn labelled_by(mut self, column: &str) -> Bars {
        self.label.push(column.into());
        self
    }

    pub fn stacked(mut self) -> Bars {
        self.stacked = true;
        self
    }

    pub fn line(mut self, label: impl Into<String>, value: f64) -> Bars {
        self.lines.push((label.into(), value));
        self
    }

    fn columns(&self) -> Vec<&str> {
        let mut columns: Vec<&str> = self.label.iter().map(String::as_str).collect();
        columns.extend(self.values.iter().map(|(c, _)| c.as_str()));
        columns.extend(self.n.iter().map(String::as_str));
        columns
    }
}

impl Forest {
    pub fn new(estimate: &str, lower: &str, upper: &str, reference: f64, label: &str) -> Forest {
        Forest {
            estimate: estimate.into(),
            lower: lower.into(),
            upper: upper.into(),
            reference,
            axis_label: label.into(),
        }
    }
}

impl Chart {
    /// Every column the chart names: each must be a column of its table.
    pub fn columns(&self) -> Vec<&str> {
        match self {
            Chart::Curve(curve) => curve.columns(),
            Chart::Bars(bars) => bars.columns(),
            Chart::Forest(f) => vec![f.estimate.as_str(), f.lower.as_str(), f.upper.as_str()],
        }
    }
}

/// A status or category name as words for a label (`paid_hours` → "paid hours").
pub fn plain(name: &str) -> String {
    name.replace('_', " ")
}
