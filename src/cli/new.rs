//! `lectern new course SLUG` and `lectern new lesson COURSE TITLE`: the
//! rules are in `content::scaffold`; this prints what was made and what to
//! do next.

use std::process::ExitCode;

use clap::Subcommand;
use rocket::figment::Figment;

use crate::config::Settings;
use crate::content::scaffold;

#[derive(Debug, Subcommand)]
pub enum NewCommand {
    /// Start a course: a folder in the content folder with a _course.md to fill in
    #[command(
        after_help = "Example: lectern new course backend-dev --title \"Backend Developer\"\n\
                            Nothing is overwritten: an existing folder is refused."
    )]
    Course {
        /// The course's slug, which names its folder and its address: lowercase letters, digits and hyphens
        slug: String,
        /// The course's title (default: made from the slug, e.g. backend-dev gives "Backend dev")
        #[arg(long)]
        title: Option<String>,
    },
    /// Add a lesson to a course: the next numbered file, with its front matter filled in
    #[command(
        after_help = "Example: lectern new lesson backend-dev \"Routes and data\"\n\
                            writes backend-dev/NN-routes-and-data.md, NN being the course's next number.\n\
                            Nothing is overwritten: an existing file or slug is refused."
    )]
    Lesson {
        /// The course's slug (its folder in the content folder)
        course: String,
        /// The lesson's title, in quotes when it has spaces
        title: String,
        /// The lesson's slug, for its file name and address (default: made from the title)
        #[arg(long)]
        slug: Option<String>,
    },
}

pub(super) fn run(figment: &Figment, command: NewCommand) -> anyhow::Result<ExitCode> {
    let content_dir = Settings::from_figment(figment)?.content_dir;
    let made = match &command {
        NewCommand::Course { slug, title } => {
            scaffold::new_course(&content_dir, slug, title.as_deref())
        }
        NewCommand::Lesson {
            course,
            title,
            slug,
        } => scaffold::new_lesson(&content_dir, course, title, slug.as_deref()),
    };
    let made = match made {
        Ok(made) => made,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    println!("created {}", made.path.display());
    match command {
        NewCommand::Course { slug, .. } => {
            println!("  course “{}”, at {} once synced", made.title, made.url);
            println!("next:");
            println!(
                "  write the course's introduction in {}",
                made.path.display()
            );
            println!("  add its first lesson: lectern new lesson {slug} \"First lesson title\"");
            println!("  preview while you write: lectern serve --watch");
        }
        NewCommand::Lesson { .. } => {
            println!(
                "  lesson {} “{}”, at {} once synced",
                made.number, made.title, made.url
            );
            println!("next:");
            println!("  write the lesson in {}", made.path.display());
            println!(
                "  preview while you write: lectern serve --watch (open pages reload as you save)"
            );
            println!("  before you push: lectern check");
        }
    }
    Ok(ExitCode::SUCCESS)
}
