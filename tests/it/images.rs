//! Images in the editor, reordering from the course page, and export back to git.
