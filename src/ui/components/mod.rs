pub mod app;
pub mod article_view;
pub mod block_view;
pub mod keywords_panel;
pub mod topbar;
pub mod user_dict_panel;
