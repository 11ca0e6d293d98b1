//! Nsight Compute input: CSV parsing ([`csv`]), unit normalization ([`units`]), per-launch kernel rows with
//! FLOPs and roofline verdicts ([`kernels`]), and matching launches to nsys kernels ([`join`]).

pub mod csv;
pub mod join;
pub mod kernels;
pub mod units;
