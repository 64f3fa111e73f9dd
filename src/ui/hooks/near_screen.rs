use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use crate::core::article::Article;
use crate::platform::viewport::NearScreen;

/// The article's block groups (`data-group`) within a screen of the
/// viewport while `watching`, or `None` until the browser has reported them
/// for this article. Only changes when a group crosses that margin.
#[hook]
pub fn use_near_groups(
    root: NodeRef,
    article: Rc<Article>,
    watching: bool,
) -> Option<Rc<BTreeSet<usize>>> {
    let near = use_state(|| None::<Rc<BTreeSet<usize>>>);
    {
        let near = near.clone();
        use_effect_with((article, watching), move |(_, watching)| {
            near.set(None);
            let current = RefCell::new(BTreeSet::new());
            let root = root.cast::<web_sys::Element>().filter(|_| *watching);
            let observer = root.and_then(|el| {
                NearScreen::watch(&el, "data-group", "100% 0px", move |changes| {
                    let mut set = current.borrow_mut();
                    for (group, is_near) in changes {
                        if is_near {
                            set.insert(group);
                        } else {
                            set.remove(&group);
                        }
                    }
                    near.set(Some(Rc::new(set.clone())));
                })
            });
            move || drop(observer)
        });
    }
    (*near).clone()
}
