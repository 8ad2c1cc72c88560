//! Items shared by a pool of workers: each takes the next one until none is left. Used by the
//! many-survey fetches and the bulk GDPR run, which keep their own loops around it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// A queue of numbered items; clones share it.
#[derive(Debug)]
pub(crate) struct WorkQueue<T>(Arc<Mutex<VecDeque<(usize, T)>>>);

impl<T> Clone for WorkQueue<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> WorkQueue<T> {
    /// Items already numbered (by the caller's row, say).
    pub fn numbered(items: impl IntoIterator<Item = (usize, T)>) -> Self {
        Self(Arc::new(Mutex::new(items.into_iter().collect())))
    }

    /// Items numbered by their position.
    pub fn new(items: Vec<T>) -> Self {
        Self::numbered(items.into_iter().enumerate())
    }

    /// The next item and its number, or `None` when every item was taken.
    pub fn pop(&self) -> Option<(usize, T)> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::WorkQueue;

    #[test]
    fn clones_share_one_queue_in_order() {
        let queue = WorkQueue::new(vec!["a", "b", "c"]);
        let other = queue.clone();
        assert_eq!(queue.pop(), Some((0, "a")));
        assert_eq!(other.pop(), Some((1, "b")));
        assert_eq!(queue.pop(), Some((2, "c")));
        assert_eq!(other.pop(), None);
        assert_eq!(WorkQueue::numbered([(7, 'x')]).pop(), Some((7, 'x')));
    }
}
