//! The `.ncu-rep` messages this reader declares (see the parent module): only the fields read, every one
//! optional, strings as bytes; field numbers of NVIDIA's `ProfilerReport.proto` family.

#[derive(Clone, PartialEq, prost::Message)]
pub struct FileHeader {
    #[prost(uint32, optional, tag = "1")]
    pub version: Option<u32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct BlockHeader {
    #[prost(uint32, optional, tag = "1")]
    pub num_sources: Option<u32>,
    #[prost(uint32, optional, tag = "2")]
    pub num_results: Option<u32>,
    #[prost(message, optional, tag = "3")]
    pub session: Option<Session>,
    #[prost(message, optional, tag = "4")]
    pub strings: Option<StringTable>,
    #[prost(uint32, optional, tag = "5")]
    pub payload_size: Option<u32>,
    #[prost(message, optional, tag = "6")]
    pub process: Option<Process>,
    #[prost(uint32, optional, tag = "7")]
    pub num_range_results: Option<u32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Session {
    #[prost(uint32, optional, tag = "1")]
    pub process_id: Option<u32>,
    #[prost(message, repeated, tag = "6")]
    pub devices: Vec<Device>,
    #[prost(message, repeated, tag = "8")]
    pub versions: Vec<Version>,
    #[prost(bytes = "vec", optional, tag = "11")]
    pub cmdline: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Device {
    #[prost(uint32, optional, tag = "1")]
    pub id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub name: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Version {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub provider: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub version: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StringTable {
    #[prost(bytes = "vec", repeated, tag = "1")]
    pub strings: Vec<Vec<u8>>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Process {
    #[prost(uint32, optional, tag = "1")]
    pub pid: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub hostname: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub name: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Dim3 {
    #[prost(uint64, optional, tag = "1")]
    pub x: Option<u64>,
    #[prost(uint64, optional, tag = "2")]
    pub y: Option<u64>,
    #[prost(uint64, optional, tag = "3")]
    pub z: Option<u64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Value {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub string: Option<Vec<u8>>,
    #[prost(float, optional, tag = "2")]
    pub float: Option<f32>,
    #[prost(double, optional, tag = "3")]
    pub double: Option<f64>,
    #[prost(uint32, optional, tag = "4")]
    pub uint32: Option<u32>,
    #[prost(uint64, optional, tag = "5")]
    pub uint64: Option<u64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ListElement {
    #[prost(message, optional, tag = "1")]
    pub correlation: Option<Value>,
    #[prost(message, optional, tag = "2")]
    pub value: Option<Value>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MetricResult {
    #[prost(uint32, optional, tag = "1")]
    pub name_id: Option<u32>,
    #[prost(message, optional, tag = "2")]
    pub value: Option<Value>,
    #[prost(message, repeated, tag = "3")]
    pub list: Vec<ListElement>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ProfileResult {
    #[prost(uint32, optional, tag = "1")]
    pub thread_id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "5")]
    pub mangled: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "6")]
    pub function: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "7")]
    pub demangled: Option<Vec<u8>>,
    #[prost(message, optional, tag = "10")]
    pub grid: Option<Dim3>,
    #[prost(message, optional, tag = "11")]
    pub block: Option<Dim3>,
    #[prost(message, repeated, tag = "13")]
    pub metrics: Vec<MetricResult>,
    #[prost(uint32, optional, tag = "22")]
    pub context_id: Option<u32>,
    #[prost(uint32, optional, tag = "23")]
    pub stream_id: Option<u32>,
}
