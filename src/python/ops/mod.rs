//! The operations of `_native.RawClient`, one file each: the checks of the arguments, one async
//! body, and its two entries side by side, `op` (blocking, for `Client`) and `op_async`
//! (awaitable, for `AsyncClient`). Arguments arrive as Python passed them; ids, `since`,
//! cursors and every other value are checked here, by the core's rules, before anything is
//! sent. Results are plain: lists and dicts, `ResponseTable`s, `(completed, failed)` pairs; the
//! Python classes wrap them.

mod delete_user_data;
mod export_responses;
mod get_survey;
mod iter_responses;
mod list_surveys;
mod lookup_many;
mod responses;
mod responses_many;
mod responses_table;
mod responses_table_many;
mod test_connection;
mod user_lookup;

pub use iter_responses::RawResponsePages;
pub use lookup_many::LookupSoFar;
