//! Venues and their layout: sections and seats.

diesel::table! {
    venues (id) {
        id -> BigInt,
        organizer_id -> BigInt,
        name -> Text,
        slug -> Text,
        description -> Text,
        address -> Text,
        city -> Text,
        country -> Text,
        timezone -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sections (id) {
        id -> BigInt,
        venue_id -> BigInt,
        name -> Text,
        kind -> Text,
        capacity -> Nullable<Integer>,
        position -> Integer,
        map_x -> Integer,
        map_y -> Integer,
        map_width -> Integer,
        map_height -> Integer,
        layout -> Nullable<Text>,
    }
}

diesel::table! {
    seats (id) {
        id -> BigInt,
        section_id -> BigInt,
        row_label -> Text,
        row_index -> Integer,
        number -> Integer,
        x -> Integer,
        y -> Integer,
        accessible -> Bool,
        blocked -> Bool,
    }
}
