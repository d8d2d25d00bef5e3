//! The tag set: BIOES over three entity types, and the conversion between entity spans and
//! one tag per character.

use std::fmt;

/// The kinds of name the tagger finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityType {
    /// A person's name (without a title).
    Person,
    /// A place: a country, a division, a region, a landmark.
    Place,
    /// An organisation: a party or state body, a company, a team, a newspaper.
    Organisation,
}

impl EntityType {
    /// Every type, in tag order.
    pub const ALL: [EntityType; 3] = [EntityType::Person, EntityType::Place, EntityType::Organisation];

    /// The type's name in BIO files (`PER`, `LOC`, `ORG`).
    pub fn bio_name(self) -> &'static str {
        match self {
            EntityType::Person => "PER",
            EntityType::Place => "LOC",
            EntityType::Organisation => "ORG",
        }
    }

    /// The type of a BIO file's name.
    pub fn from_bio_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.bio_name() == name)
    }

    /// The mention kind and category name of an unlinked name of this type.
    pub fn kind(self) -> &'static str {
        match self {
            EntityType::Person => "person",
            EntityType::Place => "place",
            EntityType::Organisation => "organisation",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.bio_name())
    }
}

/// A name found (or annotated) in a sentence: a span of characters and its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Entity {
    /// The first character, counted in chars from the sentence's start.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// What it names.
    pub ty: EntityType,
}

/// Number of tags: `O`, and `B`, `I`, `E`, `S` of each type.
pub const TAGS: usize = 1 + 4 * EntityType::ALL.len();

/// The tag outside any name.
pub(crate) const O: u8 = 0;

/// The pseudo-state before the first and after the last character, for transition weights.
pub(crate) const BOUNDARY: usize = TAGS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Begin,
    Inside,
    End,
    Single,
}

fn tag(ty: EntityType, part: Part) -> u8 {
    (1 + 4 * ty.index() + part as usize) as u8
}

fn split(tag: u8) -> Option<(EntityType, Part)> {
    let t = usize::from(tag).checked_sub(1)?;
    let ty = *EntityType::ALL.get(t / 4)?;
    let part = [Part::Begin, Part::Inside, Part::End, Part::Single][t % 4];
    Some((ty, part))
}

/// The tag's name: `O`, `B-PER`, `E-ORG`, …
pub fn tag_name(tag: u8) -> String {
    match split(tag) {
        None => "O".to_owned(),
        Some((ty, part)) => {
            let p = match part {
                Part::Begin => 'B',
                Part::Inside => 'I',
                Part::End => 'E',
                Part::Single => 'S',
            };
            format!("{p}-{ty}")
        }
    }
}

/// Whether tag `next` may follow `prev` (either may be [`BOUNDARY`]): a name is opened by `B`
/// and closed by `E`, or is one `S`.
pub(crate) fn allowed(prev: usize, next: usize) -> bool {
    let open = |t: usize| -> Option<EntityType> {
        match split(t as u8) {
            Some((ty, Part::Begin | Part::Inside)) if t < TAGS => Some(ty),
            _ => None,
        }
    };
    let continues = |t: usize| -> Option<EntityType> {
        match split(t as u8) {
            Some((ty, Part::Inside | Part::End)) if t < TAGS => Some(ty),
            _ => None,
        }
    };
    match (open(prev), continues(next)) {
        (Some(a), Some(b)) => a == b,
        (Some(_), None) => false,
        (None, Some(_)) => false,
        (None, None) => true,
    }
}

/// One tag per character for `entities` (sorted, disjoint, inside `0..len`).
pub fn encode(entities: &[Entity], len: usize) -> Vec<u8> {
    let mut tags = vec![O; len];
    for e in entities {
        if e.end <= e.start || e.end > len {
            continue;
        }
        if e.end - e.start == 1 {
            tags[e.start] = tag(e.ty, Part::Single);
        } else {
            tags[e.start] = tag(e.ty, Part::Begin);
            for t in &mut tags[e.start + 1..e.end - 1] {
                *t = tag(e.ty, Part::Inside);
            }
            tags[e.end - 1] = tag(e.ty, Part::End);
        }
    }
    tags
}

/// The entities of a tag sequence. Tolerant: an unclosed name ends where the next one starts.
pub fn decode(tags: &[u8]) -> Vec<Entity> {
    let mut out = Vec::new();
    let mut open: Option<(usize, EntityType)> = None;
    for (i, &t) in tags.iter().enumerate() {
        match split(t) {
            None => {
                if let Some((start, ty)) = open.take() {
                    out.push(Entity { start, end: i, ty });
                }
            }
            Some((ty, part)) => {
                let continues =
                    matches!(open, Some((_, open_ty)) if open_ty == ty) && matches!(part, Part::Inside | Part::End);
                if !continues {
                    if let Some((start, open_ty)) = open.take() {
                        out.push(Entity { start, end: i, ty: open_ty });
                    }
                    open = Some((i, ty));
                }
                if matches!(part, Part::End | Part::Single) {
                    let (start, ty) = open.take().expect("opened above");
                    out.push(Entity { start, end: i + 1, ty });
                }
            }
        }
    }
    if let Some((start, ty)) = open {
        out.push(Entity { start, end: tags.len(), ty });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_and_decode_round_trip() {
        let entities = vec![
            Entity { start: 0, end: 3, ty: EntityType::Person },
            Entity { start: 3, end: 4, ty: EntityType::Place },
            Entity { start: 6, end: 8, ty: EntityType::Organisation },
        ];
        let tags = encode(&entities, 9);
        let names: Vec<String> = tags.iter().map(|&t| tag_name(t)).collect();
        assert_eq!(names, ["B-PER", "I-PER", "E-PER", "S-LOC", "O", "O", "B-ORG", "E-ORG", "O"]);
        assert_eq!(decode(&tags), entities);
    }

    #[test]
    fn decode_closes_what_is_left_open() {
        let b = tag(EntityType::Place, Part::Begin);
        let i = tag(EntityType::Place, Part::Inside);
        let s = tag(EntityType::Person, Part::Single);
        assert_eq!(
            decode(&[b, i, s, b]),
            [
                Entity { start: 0, end: 2, ty: EntityType::Place },
                Entity { start: 2, end: 3, ty: EntityType::Person },
                Entity { start: 3, end: 4, ty: EntityType::Place },
            ]
        );
    }

    #[test]
    fn transitions_keep_names_whole() {
        let b = tag(EntityType::Place, Part::Begin) as usize;
        let e = tag(EntityType::Place, Part::End) as usize;
        let e_org = tag(EntityType::Organisation, Part::End) as usize;
        assert!(allowed(BOUNDARY, b) && allowed(b, e) && allowed(e, BOUNDARY));
        assert!(!allowed(b, e_org) && !allowed(BOUNDARY, e) && !allowed(b, BOUNDARY) && !allowed(b, O as usize));
    }
}
