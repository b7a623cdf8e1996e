impl serde::Serialize for Ack {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Ack", len)?;
        if true {
            struct_ser.serialize_field("bootId", &self.boot_id)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("firstSequence", ToString::to_string(&self.first_sequence).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("lastSequence", ToString::to_string(&self.last_sequence).as_str())?;
        }
        if true {
            struct_ser.serialize_field("stored", &self.stored)?;
        }
        if true {
            struct_ser.serialize_field("duplicates", &self.duplicates)?;
        }
        if true {
            struct_ser.serialize_field("conflicts", &self.conflicts)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Ack {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "boot_id",
            "bootId",
            "first_sequence",
            "firstSequence",
            "last_sequence",
            "lastSequence",
            "stored",
            "duplicates",
            "conflicts",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            BootId,
            FirstSequence,
            LastSequence,
            Stored,
            Duplicates,
            Conflicts,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "bootId" | "boot_id" => Ok(GeneratedField::BootId),
                            "firstSequence" | "first_sequence" => Ok(GeneratedField::FirstSequence),
                            "lastSequence" | "last_sequence" => Ok(GeneratedField::LastSequence),
                            "stored" => Ok(GeneratedField::Stored),
                            "duplicates" => Ok(GeneratedField::Duplicates),
                            "conflicts" => Ok(GeneratedField::Conflicts),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Ack;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Ack")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Ack, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut boot_id__ = None;
                let mut first_sequence__ = None;
                let mut last_sequence__ = None;
                let mut stored__ = None;
                let mut duplicates__ = None;
                let mut conflicts__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::BootId => {
                            if boot_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("bootId"));
                            }
                            boot_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::FirstSequence => {
                            if first_sequence__.is_some() {
                                return Err(serde::de::Error::duplicate_field("firstSequence"));
                            }
                            first_sequence__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::LastSequence => {
                            if last_sequence__.is_some() {
                                return Err(serde::de::Error::duplicate_field("lastSequence"));
                            }
                            last_sequence__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Stored => {
                            if stored__.is_some() {
                                return Err(serde::de::Error::duplicate_field("stored"));
                            }
                            stored__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Duplicates => {
                            if duplicates__.is_some() {
                                return Err(serde::de::Error::duplicate_field("duplicates"));
                            }
                            duplicates__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Conflicts => {
                            if conflicts__.is_some() {
                                return Err(serde::de::Error::duplicate_field("conflicts"));
                            }
                            conflicts__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(Ack {
                    boot_id: boot_id__.unwrap_or_default(),
                    first_sequence: first_sequence__.unwrap_or_default(),
                    last_sequence: last_sequence__.unwrap_or_default(),
                    stored: stored__.unwrap_or_default(),
                    duplicates: duplicates__.unwrap_or_default(),
                    conflicts: conflicts__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Ack", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for AgentMessage {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.message.is_some() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.AgentMessage", len)?;
        if let Some(v) = self.message.as_ref() {
            match v {
                agent_message::Message::Hello(v) => {
                    struct_ser.serialize_field("hello", v)?;
                }
                agent_message::Message::Batch(v) => {
                    struct_ser.serialize_field("batch", v)?;
                }
                agent_message::Message::Stats(v) => {
                    struct_ser.serialize_field("stats", v)?;
                }
            }
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for AgentMessage {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "hello",
            "batch",
            "stats",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Hello,
            Batch,
            Stats,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "hello" => Ok(GeneratedField::Hello),
                            "batch" => Ok(GeneratedField::Batch),
                            "stats" => Ok(GeneratedField::Stats),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = AgentMessage;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.AgentMessage")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<AgentMessage, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut message__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Hello => {
                            if message__.is_some() {
                                return Err(serde::de::Error::duplicate_field("hello"));
                            }
                            message__ = map_.next_value::<::std::option::Option<_>>()?.map(agent_message::Message::Hello)
;
                        }
                        GeneratedField::Batch => {
                            if message__.is_some() {
                                return Err(serde::de::Error::duplicate_field("batch"));
                            }
                            message__ = map_.next_value::<::std::option::Option<_>>()?.map(agent_message::Message::Batch)
;
                        }
                        GeneratedField::Stats => {
                            if message__.is_some() {
                                return Err(serde::de::Error::duplicate_field("stats"));
                            }
                            message__ = map_.next_value::<::std::option::Option<_>>()?.map(agent_message::Message::Stats)
;
                        }
                    }
                }
                Ok(AgentMessage {
                    message: message__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.AgentMessage", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for AgentStats {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.AgentStats", len)?;
        if true {
            struct_ser.serialize_field("drops", &self.drops)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("spooledEvents", ToString::to_string(&self.spooled_events).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("spooledBytes", ToString::to_string(&self.spooled_bytes).as_str())?;
        }
        if true {
            struct_ser.serialize_field("rules", &self.rules)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for AgentStats {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "drops",
            "spooled_events",
            "spooledEvents",
            "spooled_bytes",
            "spooledBytes",
            "rules",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Drops,
            SpooledEvents,
            SpooledBytes,
            Rules,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "drops" => Ok(GeneratedField::Drops),
                            "spooledEvents" | "spooled_events" => Ok(GeneratedField::SpooledEvents),
                            "spooledBytes" | "spooled_bytes" => Ok(GeneratedField::SpooledBytes),
                            "rules" => Ok(GeneratedField::Rules),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = AgentStats;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.AgentStats")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<AgentStats, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut drops__ = None;
                let mut spooled_events__ = None;
                let mut spooled_bytes__ = None;
                let mut rules__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Drops => {
                            if drops__.is_some() {
                                return Err(serde::de::Error::duplicate_field("drops"));
                            }
                            drops__ = Some(map_.next_value()?);
                        }
                        GeneratedField::SpooledEvents => {
                            if spooled_events__.is_some() {
                                return Err(serde::de::Error::duplicate_field("spooledEvents"));
                            }
                            spooled_events__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::SpooledBytes => {
                            if spooled_bytes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("spooledBytes"));
                            }
                            spooled_bytes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Rules => {
                            if rules__.is_some() {
                                return Err(serde::de::Error::duplicate_field("rules"));
                            }
                            rules__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(AgentStats {
                    drops: drops__.unwrap_or_default(),
                    spooled_events: spooled_events__.unwrap_or_default(),
                    spooled_bytes: spooled_bytes__.unwrap_or_default(),
                    rules: rules__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.AgentStats", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for AgentStatus {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.AgentStatus", len)?;
        if true {
            struct_ser.serialize_field("node", &self.node)?;
        }
        if true {
            struct_ser.serialize_field("bootId", &self.boot_id)?;
        }
        if true {
            struct_ser.serialize_field("version", &self.version)?;
        }
        if true {
            struct_ser.serialize_field("connected", &self.connected)?;
        }
        if true {
            struct_ser.serialize_field("peer", &self.peer)?;
        }
        if let Some(v) = self.connected_since.as_ref() {
            struct_ser.serialize_field("connectedSince", v)?;
        }
        if let Some(v) = self.last_seen.as_ref() {
            struct_ser.serialize_field("lastSeen", v)?;
        }
        if true {
            struct_ser.serialize_field("tiers", &self.tiers)?;
        }
        if let Some(v) = self.stats.as_ref() {
            struct_ser.serialize_field("stats", v)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("lastSequence", ToString::to_string(&self.last_sequence).as_str())?;
        }
        if let Some(v) = self.unobserved_before.as_ref() {
            struct_ser.serialize_field("unobservedBefore", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for AgentStatus {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node",
            "boot_id",
            "bootId",
            "version",
            "connected",
            "peer",
            "connected_since",
            "connectedSince",
            "last_seen",
            "lastSeen",
            "tiers",
            "stats",
            "last_sequence",
            "lastSequence",
            "unobserved_before",
            "unobservedBefore",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Node,
            BootId,
            Version,
            Connected,
            Peer,
            ConnectedSince,
            LastSeen,
            Tiers,
            Stats,
            LastSequence,
            UnobservedBefore,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "node" => Ok(GeneratedField::Node),
                            "bootId" | "boot_id" => Ok(GeneratedField::BootId),
                            "version" => Ok(GeneratedField::Version),
                            "connected" => Ok(GeneratedField::Connected),
                            "peer" => Ok(GeneratedField::Peer),
                            "connectedSince" | "connected_since" => Ok(GeneratedField::ConnectedSince),
                            "lastSeen" | "last_seen" => Ok(GeneratedField::LastSeen),
                            "tiers" => Ok(GeneratedField::Tiers),
                            "stats" => Ok(GeneratedField::Stats),
                            "lastSequence" | "last_sequence" => Ok(GeneratedField::LastSequence),
                            "unobservedBefore" | "unobserved_before" => Ok(GeneratedField::UnobservedBefore),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = AgentStatus;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.AgentStatus")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<AgentStatus, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node__ = None;
                let mut boot_id__ = None;
                let mut version__ = None;
                let mut connected__ = None;
                let mut peer__ = None;
                let mut connected_since__ = None;
                let mut last_seen__ = None;
                let mut tiers__ = None;
                let mut stats__ = None;
                let mut last_sequence__ = None;
                let mut unobserved_before__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Node => {
                            if node__.is_some() {
                                return Err(serde::de::Error::duplicate_field("node"));
                            }
                            node__ = Some(map_.next_value()?);
                        }
                        GeneratedField::BootId => {
                            if boot_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("bootId"));
                            }
                            boot_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Version => {
                            if version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("version"));
                            }
                            version__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Connected => {
                            if connected__.is_some() {
                                return Err(serde::de::Error::duplicate_field("connected"));
                            }
                            connected__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Peer => {
                            if peer__.is_some() {
                                return Err(serde::de::Error::duplicate_field("peer"));
                            }
                            peer__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ConnectedSince => {
                            if connected_since__.is_some() {
                                return Err(serde::de::Error::duplicate_field("connectedSince"));
                            }
                            connected_since__ = map_.next_value()?;
                        }
                        GeneratedField::LastSeen => {
                            if last_seen__.is_some() {
                                return Err(serde::de::Error::duplicate_field("lastSeen"));
                            }
                            last_seen__ = map_.next_value()?;
                        }
                        GeneratedField::Tiers => {
                            if tiers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("tiers"));
                            }
                            tiers__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Stats => {
                            if stats__.is_some() {
                                return Err(serde::de::Error::duplicate_field("stats"));
                            }
                            stats__ = map_.next_value()?;
                        }
                        GeneratedField::LastSequence => {
                            if last_sequence__.is_some() {
                                return Err(serde::de::Error::duplicate_field("lastSequence"));
                            }
                            last_sequence__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::UnobservedBefore => {
                            if unobserved_before__.is_some() {
                                return Err(serde::de::Error::duplicate_field("unobservedBefore"));
                            }
                            unobserved_before__ = map_.next_value()?;
                        }
                    }
                }
                Ok(AgentStatus {
                    node: node__.unwrap_or_default(),
                    boot_id: boot_id__.unwrap_or_default(),
                    version: version__.unwrap_or_default(),
                    connected: connected__.unwrap_or_default(),
                    peer: peer__.unwrap_or_default(),
                    connected_since: connected_since__,
                    last_seen: last_seen__,
                    tiers: tiers__.unwrap_or_default(),
                    stats: stats__,
                    last_sequence: last_sequence__.unwrap_or_default(),
                    unobserved_before: unobserved_before__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.AgentStatus", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Batch {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Batch", len)?;
        if true {
            struct_ser.serialize_field("bootId", &self.boot_id)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("firstSequence", ToString::to_string(&self.first_sequence).as_str())?;
        }
        if true {
            struct_ser.serialize_field("events", &self.events)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Batch {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "boot_id",
            "bootId",
            "first_sequence",
            "firstSequence",
            "events",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            BootId,
            FirstSequence,
            Events,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "bootId" | "boot_id" => Ok(GeneratedField::BootId),
                            "firstSequence" | "first_sequence" => Ok(GeneratedField::FirstSequence),
                            "events" => Ok(GeneratedField::Events),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Batch;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Batch")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Batch, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut boot_id__ = None;
                let mut first_sequence__ = None;
                let mut events__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::BootId => {
                            if boot_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("bootId"));
                            }
                            boot_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::FirstSequence => {
                            if first_sequence__.is_some() {
                                return Err(serde::de::Error::duplicate_field("firstSequence"));
                            }
                            first_sequence__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Events => {
                            if events__.is_some() {
                                return Err(serde::de::Error::duplicate_field("events"));
                            }
                            events__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Batch {
                    boot_id: boot_id__.unwrap_or_default(),
                    first_sequence: first_sequence__.unwrap_or_default(),
                    events: events__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Batch", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ChainProblem {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.ChainProblem", len)?;
        if true {
            let v = chain_problem::Kind::try_from(self.kind)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.kind)))?;
            struct_ser.serialize_field("kind", &v)?;
        }
        if true {
            struct_ser.serialize_field("boot", &self.boot)?;
        }
        if true {
            struct_ser.serialize_field("sequences", &self.sequences)?;
        }
        if true {
            struct_ser.serialize_field("detail", &self.detail)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ChainProblem {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "kind",
            "boot",
            "sequences",
            "detail",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Kind,
            Boot,
            Sequences,
            Detail,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "kind" => Ok(GeneratedField::Kind),
                            "boot" => Ok(GeneratedField::Boot),
                            "sequences" => Ok(GeneratedField::Sequences),
                            "detail" => Ok(GeneratedField::Detail),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ChainProblem;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.ChainProblem")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ChainProblem, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut kind__ = None;
                let mut boot__ = None;
                let mut sequences__ = None;
                let mut detail__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Kind => {
                            if kind__.is_some() {
                                return Err(serde::de::Error::duplicate_field("kind"));
                            }
                            kind__ = Some(map_.next_value::<chain_problem::Kind>()? as i32);
                        }
                        GeneratedField::Boot => {
                            if boot__.is_some() {
                                return Err(serde::de::Error::duplicate_field("boot"));
                            }
                            boot__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Sequences => {
                            if sequences__.is_some() {
                                return Err(serde::de::Error::duplicate_field("sequences"));
                            }
                            sequences__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Detail => {
                            if detail__.is_some() {
                                return Err(serde::de::Error::duplicate_field("detail"));
                            }
                            detail__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ChainProblem {
                    kind: kind__.unwrap_or_default(),
                    boot: boot__.unwrap_or_default(),
                    sequences: sequences__.unwrap_or_default(),
                    detail: detail__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.ChainProblem", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for chain_problem::Kind {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "KIND_UNSPECIFIED",
            Self::Edited => "edited",
            Self::Removed => "removed",
            Self::Inserted => "inserted",
            Self::Broken => "broken",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for chain_problem::Kind {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "KIND_UNSPECIFIED",
            "edited",
            "removed",
            "inserted",
            "broken",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = chain_problem::Kind;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "KIND_UNSPECIFIED" => Ok(chain_problem::Kind::Unspecified),
                    "edited" => Ok(chain_problem::Kind::Edited),
                    "removed" => Ok(chain_problem::Kind::Removed),
                    "inserted" => Ok(chain_problem::Kind::Inserted),
                    "broken" => Ok(chain_problem::Kind::Broken),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for CollectorMessage {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.message.is_some() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.CollectorMessage", len)?;
        if let Some(v) = self.message.as_ref() {
            match v {
                collector_message::Message::Ack(v) => {
                    struct_ser.serialize_field("ack", v)?;
                }
                collector_message::Message::Refusal(v) => {
                    struct_ser.serialize_field("refusal", v)?;
                }
            }
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for CollectorMessage {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "ack",
            "refusal",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Ack,
            Refusal,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "ack" => Ok(GeneratedField::Ack),
                            "refusal" => Ok(GeneratedField::Refusal),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = CollectorMessage;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.CollectorMessage")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<CollectorMessage, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut message__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Ack => {
                            if message__.is_some() {
                                return Err(serde::de::Error::duplicate_field("ack"));
                            }
                            message__ = map_.next_value::<::std::option::Option<_>>()?.map(collector_message::Message::Ack)
;
                        }
                        GeneratedField::Refusal => {
                            if message__.is_some() {
                                return Err(serde::de::Error::duplicate_field("refusal"));
                            }
                            message__ = map_.next_value::<::std::option::Option<_>>()?.map(collector_message::Message::Refusal)
;
                        }
                    }
                }
                Ok(CollectorMessage {
                    message: message__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.CollectorMessage", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ConcernTier {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.ConcernTier", len)?;
        if true {
            let v = concern_tier::Concern::try_from(self.concern)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.concern)))?;
            struct_ser.serialize_field("concern", &v)?;
        }
        if true {
            let v = verdict::Tier::try_from(self.tier)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.tier)))?;
            struct_ser.serialize_field("tier", &v)?;
        }
        if true {
            struct_ser.serialize_field("reason", &self.reason)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ConcernTier {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "concern",
            "tier",
            "reason",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Concern,
            Tier,
            Reason,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "concern" => Ok(GeneratedField::Concern),
                            "tier" => Ok(GeneratedField::Tier),
                            "reason" => Ok(GeneratedField::Reason),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ConcernTier;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.ConcernTier")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ConcernTier, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut concern__ = None;
                let mut tier__ = None;
                let mut reason__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Concern => {
                            if concern__.is_some() {
                                return Err(serde::de::Error::duplicate_field("concern"));
                            }
                            concern__ = Some(map_.next_value::<concern_tier::Concern>()? as i32);
                        }
                        GeneratedField::Tier => {
                            if tier__.is_some() {
                                return Err(serde::de::Error::duplicate_field("tier"));
                            }
                            tier__ = Some(map_.next_value::<verdict::Tier>()? as i32);
                        }
                        GeneratedField::Reason => {
                            if reason__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reason"));
                            }
                            reason__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ConcernTier {
                    concern: concern__.unwrap_or_default(),
                    tier: tier__.unwrap_or_default(),
                    reason: reason__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.ConcernTier", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for concern_tier::Concern {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "CONCERN_UNSPECIFIED",
            Self::Network => "network",
            Self::Rootfs => "rootfs",
            Self::Privilege => "privilege",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for concern_tier::Concern {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "CONCERN_UNSPECIFIED",
            "network",
            "rootfs",
            "privilege",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = concern_tier::Concern;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "CONCERN_UNSPECIFIED" => Ok(concern_tier::Concern::Unspecified),
                    "network" => Ok(concern_tier::Concern::Network),
                    "rootfs" => Ok(concern_tier::Concern::Rootfs),
                    "privilege" => Ok(concern_tier::Concern::Privilege),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for DeleteRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.DeleteRequest", len)?;
        if true {
            struct_ser.serialize_field("namespace", &self.namespace)?;
        }
        if true {
            struct_ser.serialize_field("pod", &self.pod)?;
        }
        if true {
            struct_ser.serialize_field("reason", &self.reason)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for DeleteRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "namespace",
            "pod",
            "reason",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Namespace,
            Pod,
            Reason,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "namespace" => Ok(GeneratedField::Namespace),
                            "pod" => Ok(GeneratedField::Pod),
                            "reason" => Ok(GeneratedField::Reason),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = DeleteRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.DeleteRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<DeleteRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut namespace__ = None;
                let mut pod__ = None;
                let mut reason__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Namespace => {
                            if namespace__.is_some() {
                                return Err(serde::de::Error::duplicate_field("namespace"));
                            }
                            namespace__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Pod => {
                            if pod__.is_some() {
                                return Err(serde::de::Error::duplicate_field("pod"));
                            }
                            pod__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Reason => {
                            if reason__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reason"));
                            }
                            reason__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(DeleteRequest {
                    namespace: namespace__.unwrap_or_default(),
                    pod: pod__.unwrap_or_default(),
                    reason: reason__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.DeleteRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for DeleteResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.DeleteResponse", len)?;
        if let Some(v) = self.deletion.as_ref() {
            struct_ser.serialize_field("deletion", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for DeleteResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "deletion",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Deletion,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "deletion" => Ok(GeneratedField::Deletion),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = DeleteResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.DeleteResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<DeleteResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut deletion__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Deletion => {
                            if deletion__.is_some() {
                                return Err(serde::de::Error::duplicate_field("deletion"));
                            }
                            deletion__ = map_.next_value()?;
                        }
                    }
                }
                Ok(DeleteResponse {
                    deletion: deletion__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.DeleteResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Deletion {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Deletion", len)?;
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("id", ToString::to_string(&self.id).as_str())?;
        }
        if let Some(v) = self.at.as_ref() {
            struct_ser.serialize_field("at", v)?;
        }
        if true {
            struct_ser.serialize_field("by", &self.by)?;
        }
        if true {
            struct_ser.serialize_field("namespace", &self.namespace)?;
        }
        if true {
            struct_ser.serialize_field("pod", &self.pod)?;
        }
        if true {
            struct_ser.serialize_field("reason", &self.reason)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("events", ToString::to_string(&self.events).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Deletion {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "id",
            "at",
            "by",
            "namespace",
            "pod",
            "reason",
            "events",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Id,
            At,
            By,
            Namespace,
            Pod,
            Reason,
            Events,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "id" => Ok(GeneratedField::Id),
                            "at" => Ok(GeneratedField::At),
                            "by" => Ok(GeneratedField::By),
                            "namespace" => Ok(GeneratedField::Namespace),
                            "pod" => Ok(GeneratedField::Pod),
                            "reason" => Ok(GeneratedField::Reason),
                            "events" => Ok(GeneratedField::Events),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Deletion;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Deletion")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Deletion, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut id__ = None;
                let mut at__ = None;
                let mut by__ = None;
                let mut namespace__ = None;
                let mut pod__ = None;
                let mut reason__ = None;
                let mut events__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Id => {
                            if id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("id"));
                            }
                            id__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::At => {
                            if at__.is_some() {
                                return Err(serde::de::Error::duplicate_field("at"));
                            }
                            at__ = map_.next_value()?;
                        }
                        GeneratedField::By => {
                            if by__.is_some() {
                                return Err(serde::de::Error::duplicate_field("by"));
                            }
                            by__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Namespace => {
                            if namespace__.is_some() {
                                return Err(serde::de::Error::duplicate_field("namespace"));
                            }
                            namespace__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Pod => {
                            if pod__.is_some() {
                                return Err(serde::de::Error::duplicate_field("pod"));
                            }
                            pod__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Reason => {
                            if reason__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reason"));
                            }
                            reason__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Events => {
                            if events__.is_some() {
                                return Err(serde::de::Error::duplicate_field("events"));
                            }
                            events__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(Deletion {
                    id: id__.unwrap_or_default(),
                    at: at__,
                    by: by__.unwrap_or_default(),
                    namespace: namespace__.unwrap_or_default(),
                    pod: pod__.unwrap_or_default(),
                    reason: reason__.unwrap_or_default(),
                    events: events__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Deletion", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for DropCount {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.DropCount", len)?;
        if true {
            struct_ser.serialize_field("stage", &self.stage)?;
        }
        if true {
            struct_ser.serialize_field("kind", &self.kind)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("count", ToString::to_string(&self.count).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for DropCount {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "stage",
            "kind",
            "count",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Stage,
            Kind,
            Count,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "stage" => Ok(GeneratedField::Stage),
                            "kind" => Ok(GeneratedField::Kind),
                            "count" => Ok(GeneratedField::Count),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = DropCount;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.DropCount")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<DropCount, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut stage__ = None;
                let mut kind__ = None;
                let mut count__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Stage => {
                            if stage__.is_some() {
                                return Err(serde::de::Error::duplicate_field("stage"));
                            }
                            stage__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Kind => {
                            if kind__.is_some() {
                                return Err(serde::de::Error::duplicate_field("kind"));
                            }
                            kind__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Count => {
                            if count__.is_some() {
                                return Err(serde::de::Error::duplicate_field("count"));
                            }
                            count__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(DropCount {
                    stage: stage__.unwrap_or_default(),
                    kind: kind__.unwrap_or_default(),
                    count: count__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.DropCount", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Event {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if self.body.is_some() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Event", len)?;
        if let Some(v) = self.time.as_ref() {
            struct_ser.serialize_field("time", v)?;
        }
        if true {
            struct_ser.serialize_field("node", &self.node)?;
        }
        if let Some(v) = self.pod.as_ref() {
            struct_ser.serialize_field("pod", v)?;
        }
        if let Some(v) = self.process.as_ref() {
            struct_ser.serialize_field("process", v)?;
        }
        if let Some(v) = self.verdict.as_ref() {
            struct_ser.serialize_field("verdict", v)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("repeatCount", ToString::to_string(&self.repeat_count).as_str())?;
        }
        if true {
            struct_ser.serialize_field("redacted", &self.redacted)?;
        }
        if let Some(v) = self.body.as_ref() {
            match v {
                event::Body::Flow(v) => {
                    struct_ser.serialize_field("flow", v)?;
                }
                event::Body::File(v) => {
                    struct_ser.serialize_field("file", v)?;
                }
                event::Body::Privilege(v) => {
                    struct_ser.serialize_field("privilege", v)?;
                }
                event::Body::Exec(v) => {
                    struct_ser.serialize_field("exec", v)?;
                }
                event::Body::Gap(v) => {
                    struct_ser.serialize_field("gap", v)?;
                }
            }
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Event {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "time",
            "node",
            "pod",
            "process",
            "verdict",
            "repeat_count",
            "repeatCount",
            "redacted",
            "flow",
            "file",
            "privilege",
            "exec",
            "gap",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Time,
            Node,
            Pod,
            Process,
            Verdict,
            RepeatCount,
            Redacted,
            Flow,
            File,
            Privilege,
            Exec,
            Gap,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "time" => Ok(GeneratedField::Time),
                            "node" => Ok(GeneratedField::Node),
                            "pod" => Ok(GeneratedField::Pod),
                            "process" => Ok(GeneratedField::Process),
                            "verdict" => Ok(GeneratedField::Verdict),
                            "repeatCount" | "repeat_count" => Ok(GeneratedField::RepeatCount),
                            "redacted" => Ok(GeneratedField::Redacted),
                            "flow" => Ok(GeneratedField::Flow),
                            "file" => Ok(GeneratedField::File),
                            "privilege" => Ok(GeneratedField::Privilege),
                            "exec" => Ok(GeneratedField::Exec),
                            "gap" => Ok(GeneratedField::Gap),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Event;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Event")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Event, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut time__ = None;
                let mut node__ = None;
                let mut pod__ = None;
                let mut process__ = None;
                let mut verdict__ = None;
                let mut repeat_count__ = None;
                let mut redacted__ = None;
                let mut body__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Time => {
                            if time__.is_some() {
                                return Err(serde::de::Error::duplicate_field("time"));
                            }
                            time__ = map_.next_value()?;
                        }
                        GeneratedField::Node => {
                            if node__.is_some() {
                                return Err(serde::de::Error::duplicate_field("node"));
                            }
                            node__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Pod => {
                            if pod__.is_some() {
                                return Err(serde::de::Error::duplicate_field("pod"));
                            }
                            pod__ = map_.next_value()?;
                        }
                        GeneratedField::Process => {
                            if process__.is_some() {
                                return Err(serde::de::Error::duplicate_field("process"));
                            }
                            process__ = map_.next_value()?;
                        }
                        GeneratedField::Verdict => {
                            if verdict__.is_some() {
                                return Err(serde::de::Error::duplicate_field("verdict"));
                            }
                            verdict__ = map_.next_value()?;
                        }
                        GeneratedField::RepeatCount => {
                            if repeat_count__.is_some() {
                                return Err(serde::de::Error::duplicate_field("repeatCount"));
                            }
                            repeat_count__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Redacted => {
                            if redacted__.is_some() {
                                return Err(serde::de::Error::duplicate_field("redacted"));
                            }
                            redacted__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Flow => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("flow"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(event::Body::Flow)
;
                        }
                        GeneratedField::File => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("file"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(event::Body::File)
;
                        }
                        GeneratedField::Privilege => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("privilege"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(event::Body::Privilege)
;
                        }
                        GeneratedField::Exec => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("exec"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(event::Body::Exec)
;
                        }
                        GeneratedField::Gap => {
                            if body__.is_some() {
                                return Err(serde::de::Error::duplicate_field("gap"));
                            }
                            body__ = map_.next_value::<::std::option::Option<_>>()?.map(event::Body::Gap)
;
                        }
                    }
                }
                Ok(Event {
                    time: time__,
                    node: node__.unwrap_or_default(),
                    pod: pod__,
                    process: process__,
                    verdict: verdict__,
                    repeat_count: repeat_count__.unwrap_or_default(),
                    redacted: redacted__.unwrap_or_default(),
                    body: body__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Event", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Exec {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Exec", len)?;
        if true {
            struct_ser.serialize_field("binary", &self.binary)?;
        }
        if true {
            struct_ser.serialize_field("args", &self.args)?;
        }
        if true {
            struct_ser.serialize_field("argsTruncated", &self.args_truncated)?;
        }
        if true {
            struct_ser.serialize_field("held", &self.held)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Exec {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "binary",
            "args",
            "args_truncated",
            "argsTruncated",
            "held",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Binary,
            Args,
            ArgsTruncated,
            Held,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "binary" => Ok(GeneratedField::Binary),
                            "args" => Ok(GeneratedField::Args),
                            "argsTruncated" | "args_truncated" => Ok(GeneratedField::ArgsTruncated),
                            "held" => Ok(GeneratedField::Held),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Exec;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Exec")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Exec, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut binary__ = None;
                let mut args__ = None;
                let mut args_truncated__ = None;
                let mut held__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Binary => {
                            if binary__.is_some() {
                                return Err(serde::de::Error::duplicate_field("binary"));
                            }
                            binary__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Args => {
                            if args__.is_some() {
                                return Err(serde::de::Error::duplicate_field("args"));
                            }
                            args__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ArgsTruncated => {
                            if args_truncated__.is_some() {
                                return Err(serde::de::Error::duplicate_field("argsTruncated"));
                            }
                            args_truncated__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Held => {
                            if held__.is_some() {
                                return Err(serde::de::Error::duplicate_field("held"));
                            }
                            held__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Exec {
                    binary: binary__.unwrap_or_default(),
                    args: args__.unwrap_or_default(),
                    args_truncated: args_truncated__.unwrap_or_default(),
                    held: held__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Exec", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for File {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.File", len)?;
        if true {
            let v = file::Operation::try_from(self.operation)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.operation)))?;
            struct_ser.serialize_field("operation", &v)?;
        }
        if true {
            struct_ser.serialize_field("path", &self.path)?;
        }
        if true {
            struct_ser.serialize_field("targetPath", &self.target_path)?;
        }
        if true {
            struct_ser.serialize_field("mount", &self.mount)?;
        }
        if true {
            struct_ser.serialize_field("tookEffect", &self.took_effect)?;
        }
        if true {
            struct_ser.serialize_field("effect", &self.effect)?;
        }
        if true {
            struct_ser.serialize_field("pathUnresolved", &self.path_unresolved)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for File {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "operation",
            "path",
            "target_path",
            "targetPath",
            "mount",
            "took_effect",
            "tookEffect",
            "effect",
            "path_unresolved",
            "pathUnresolved",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Operation,
            Path,
            TargetPath,
            Mount,
            TookEffect,
            Effect,
            PathUnresolved,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "operation" => Ok(GeneratedField::Operation),
                            "path" => Ok(GeneratedField::Path),
                            "targetPath" | "target_path" => Ok(GeneratedField::TargetPath),
                            "mount" => Ok(GeneratedField::Mount),
                            "tookEffect" | "took_effect" => Ok(GeneratedField::TookEffect),
                            "effect" => Ok(GeneratedField::Effect),
                            "pathUnresolved" | "path_unresolved" => Ok(GeneratedField::PathUnresolved),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = File;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.File")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<File, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut operation__ = None;
                let mut path__ = None;
                let mut target_path__ = None;
                let mut mount__ = None;
                let mut took_effect__ = None;
                let mut effect__ = None;
                let mut path_unresolved__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Operation => {
                            if operation__.is_some() {
                                return Err(serde::de::Error::duplicate_field("operation"));
                            }
                            operation__ = Some(map_.next_value::<file::Operation>()? as i32);
                        }
                        GeneratedField::Path => {
                            if path__.is_some() {
                                return Err(serde::de::Error::duplicate_field("path"));
                            }
                            path__ = Some(map_.next_value()?);
                        }
                        GeneratedField::TargetPath => {
                            if target_path__.is_some() {
                                return Err(serde::de::Error::duplicate_field("targetPath"));
                            }
                            target_path__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Mount => {
                            if mount__.is_some() {
                                return Err(serde::de::Error::duplicate_field("mount"));
                            }
                            mount__ = Some(map_.next_value()?);
                        }
                        GeneratedField::TookEffect => {
                            if took_effect__.is_some() {
                                return Err(serde::de::Error::duplicate_field("tookEffect"));
                            }
                            took_effect__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Effect => {
                            if effect__.is_some() {
                                return Err(serde::de::Error::duplicate_field("effect"));
                            }
                            effect__ = Some(map_.next_value()?);
                        }
                        GeneratedField::PathUnresolved => {
                            if path_unresolved__.is_some() {
                                return Err(serde::de::Error::duplicate_field("pathUnresolved"));
                            }
                            path_unresolved__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(File {
                    operation: operation__.unwrap_or_default(),
                    path: path__.unwrap_or_default(),
                    target_path: target_path__.unwrap_or_default(),
                    mount: mount__.unwrap_or_default(),
                    took_effect: took_effect__.unwrap_or_default(),
                    effect: effect__.unwrap_or_default(),
                    path_unresolved: path_unresolved__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.File", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for file::Operation {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "OPERATION_UNSPECIFIED",
            Self::OpenWrite => "open_write",
            Self::Truncate => "truncate",
            Self::Create => "create",
            Self::Mkdir => "mkdir",
            Self::Unlink => "unlink",
            Self::Rmdir => "rmdir",
            Self::Rename => "rename",
            Self::Chmod => "chmod",
            Self::Chown => "chown",
            Self::Link => "link",
            Self::Symlink => "symlink",
            Self::IoUringSetup => "io_uring_setup",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for file::Operation {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "OPERATION_UNSPECIFIED",
            "open_write",
            "truncate",
            "create",
            "mkdir",
            "unlink",
            "rmdir",
            "rename",
            "chmod",
            "chown",
            "link",
            "symlink",
            "io_uring_setup",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = file::Operation;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "OPERATION_UNSPECIFIED" => Ok(file::Operation::Unspecified),
                    "open_write" => Ok(file::Operation::OpenWrite),
                    "truncate" => Ok(file::Operation::Truncate),
                    "create" => Ok(file::Operation::Create),
                    "mkdir" => Ok(file::Operation::Mkdir),
                    "unlink" => Ok(file::Operation::Unlink),
                    "rmdir" => Ok(file::Operation::Rmdir),
                    "rename" => Ok(file::Operation::Rename),
                    "chmod" => Ok(file::Operation::Chmod),
                    "chown" => Ok(file::Operation::Chown),
                    "link" => Ok(file::Operation::Link),
                    "symlink" => Ok(file::Operation::Symlink),
                    "io_uring_setup" => Ok(file::Operation::IoUringSetup),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for Filter {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Filter", len)?;
        if true {
            struct_ser.serialize_field("namespaces", &self.namespaces)?;
        }
        if true {
            struct_ser.serialize_field("pods", &self.pods)?;
        }
        if let Some(v) = self.label_selector.as_ref() {
            struct_ser.serialize_field("labelSelector", v)?;
        }
        if true {
            let v = self.kinds.iter().cloned().map(|v| {
                filter::Kind::try_from(v)
                    .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", v)))
                }).collect::<std::result::Result<Vec<_>, _>>()?;
            struct_ser.serialize_field("kinds", &v)?;
        }
        if true {
            let v = self.actions.iter().cloned().map(|v| {
                verdict::Action::try_from(v)
                    .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", v)))
                }).collect::<std::result::Result<Vec<_>, _>>()?;
            struct_ser.serialize_field("actions", &v)?;
        }
        if true {
            struct_ser.serialize_field("policies", &self.policies)?;
        }
        if true {
            struct_ser.serialize_field("nodes", &self.nodes)?;
        }
        if let Some(v) = self.since.as_ref() {
            struct_ser.serialize_field("since", v)?;
        }
        if let Some(v) = self.until.as_ref() {
            struct_ser.serialize_field("until", v)?;
        }
        if true {
            struct_ser.serialize_field("ports", &self.ports)?;
        }
        if true {
            struct_ser.serialize_field("ips", &self.ips)?;
        }
        if true {
            let v = self.protocols.iter().cloned().map(|v| {
                flow::Protocol::try_from(v)
                    .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", v)))
                }).collect::<std::result::Result<Vec<_>, _>>()?;
            struct_ser.serialize_field("protocols", &v)?;
        }
        if true {
            struct_ser.serialize_field("exclude", &self.exclude)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Filter {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "namespaces",
            "pods",
            "label_selector",
            "labelSelector",
            "kinds",
            "actions",
            "policies",
            "nodes",
            "since",
            "until",
            "ports",
            "ips",
            "protocols",
            "exclude",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Namespaces,
            Pods,
            LabelSelector,
            Kinds,
            Actions,
            Policies,
            Nodes,
            Since,
            Until,
            Ports,
            Ips,
            Protocols,
            Exclude,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "namespaces" => Ok(GeneratedField::Namespaces),
                            "pods" => Ok(GeneratedField::Pods),
                            "labelSelector" | "label_selector" => Ok(GeneratedField::LabelSelector),
                            "kinds" => Ok(GeneratedField::Kinds),
                            "actions" => Ok(GeneratedField::Actions),
                            "policies" => Ok(GeneratedField::Policies),
                            "nodes" => Ok(GeneratedField::Nodes),
                            "since" => Ok(GeneratedField::Since),
                            "until" => Ok(GeneratedField::Until),
                            "ports" => Ok(GeneratedField::Ports),
                            "ips" => Ok(GeneratedField::Ips),
                            "protocols" => Ok(GeneratedField::Protocols),
                            "exclude" => Ok(GeneratedField::Exclude),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Filter;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Filter")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Filter, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut namespaces__ = None;
                let mut pods__ = None;
                let mut label_selector__ = None;
                let mut kinds__ = None;
                let mut actions__ = None;
                let mut policies__ = None;
                let mut nodes__ = None;
                let mut since__ = None;
                let mut until__ = None;
                let mut ports__ = None;
                let mut ips__ = None;
                let mut protocols__ = None;
                let mut exclude__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Namespaces => {
                            if namespaces__.is_some() {
                                return Err(serde::de::Error::duplicate_field("namespaces"));
                            }
                            namespaces__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Pods => {
                            if pods__.is_some() {
                                return Err(serde::de::Error::duplicate_field("pods"));
                            }
                            pods__ = Some(map_.next_value()?);
                        }
                        GeneratedField::LabelSelector => {
                            if label_selector__.is_some() {
                                return Err(serde::de::Error::duplicate_field("labelSelector"));
                            }
                            label_selector__ = map_.next_value()?;
                        }
                        GeneratedField::Kinds => {
                            if kinds__.is_some() {
                                return Err(serde::de::Error::duplicate_field("kinds"));
                            }
                            kinds__ = Some(map_.next_value::<Vec<filter::Kind>>()?.into_iter().map(|x| x as i32).collect());
                        }
                        GeneratedField::Actions => {
                            if actions__.is_some() {
                                return Err(serde::de::Error::duplicate_field("actions"));
                            }
                            actions__ = Some(map_.next_value::<Vec<verdict::Action>>()?.into_iter().map(|x| x as i32).collect());
                        }
                        GeneratedField::Policies => {
                            if policies__.is_some() {
                                return Err(serde::de::Error::duplicate_field("policies"));
                            }
                            policies__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Nodes => {
                            if nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodes"));
                            }
                            nodes__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Since => {
                            if since__.is_some() {
                                return Err(serde::de::Error::duplicate_field("since"));
                            }
                            since__ = map_.next_value()?;
                        }
                        GeneratedField::Until => {
                            if until__.is_some() {
                                return Err(serde::de::Error::duplicate_field("until"));
                            }
                            until__ = map_.next_value()?;
                        }
                        GeneratedField::Ports => {
                            if ports__.is_some() {
                                return Err(serde::de::Error::duplicate_field("ports"));
                            }
                            ports__ = 
                                Some(map_.next_value::<Vec<::pbjson::private::NumberDeserialize<_>>>()?
                                    .into_iter().map(|x| x.0).collect())
                            ;
                        }
                        GeneratedField::Ips => {
                            if ips__.is_some() {
                                return Err(serde::de::Error::duplicate_field("ips"));
                            }
                            ips__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Protocols => {
                            if protocols__.is_some() {
                                return Err(serde::de::Error::duplicate_field("protocols"));
                            }
                            protocols__ = Some(map_.next_value::<Vec<flow::Protocol>>()?.into_iter().map(|x| x as i32).collect());
                        }
                        GeneratedField::Exclude => {
                            if exclude__.is_some() {
                                return Err(serde::de::Error::duplicate_field("exclude"));
                            }
                            exclude__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Filter {
                    namespaces: namespaces__.unwrap_or_default(),
                    pods: pods__.unwrap_or_default(),
                    label_selector: label_selector__,
                    kinds: kinds__.unwrap_or_default(),
                    actions: actions__.unwrap_or_default(),
                    policies: policies__.unwrap_or_default(),
                    nodes: nodes__.unwrap_or_default(),
                    since: since__,
                    until: until__,
                    ports: ports__.unwrap_or_default(),
                    ips: ips__.unwrap_or_default(),
                    protocols: protocols__.unwrap_or_default(),
                    exclude: exclude__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Filter", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for filter::Kind {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "KIND_UNSPECIFIED",
            Self::Flow => "flow",
            Self::File => "file",
            Self::Privilege => "privilege",
            Self::Exec => "exec",
            Self::Gap => "gap",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for filter::Kind {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "KIND_UNSPECIFIED",
            "flow",
            "file",
            "privilege",
            "exec",
            "gap",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = filter::Kind;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "KIND_UNSPECIFIED" => Ok(filter::Kind::Unspecified),
                    "flow" => Ok(filter::Kind::Flow),
                    "file" => Ok(filter::Kind::File),
                    "privilege" => Ok(filter::Kind::Privilege),
                    "exec" => Ok(filter::Kind::Exec),
                    "gap" => Ok(filter::Kind::Gap),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for Flow {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Flow", len)?;
        if true {
            let v = flow::Direction::try_from(self.direction)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.direction)))?;
            struct_ser.serialize_field("direction", &v)?;
        }
        if true {
            let v = flow::Protocol::try_from(self.protocol)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.protocol)))?;
            struct_ser.serialize_field("protocol", &v)?;
        }
        if true {
            let v = flow::Phase::try_from(self.phase)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.phase)))?;
            struct_ser.serialize_field("phase", &v)?;
        }
        if true {
            struct_ser.serialize_field("localIp", &self.local_ip)?;
        }
        if true {
            struct_ser.serialize_field("localPort", &self.local_port)?;
        }
        if true {
            struct_ser.serialize_field("remoteIp", &self.remote_ip)?;
        }
        if true {
            struct_ser.serialize_field("remotePort", &self.remote_port)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("bytesSent", ToString::to_string(&self.bytes_sent).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("bytesReceived", ToString::to_string(&self.bytes_received).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("packetsSent", ToString::to_string(&self.packets_sent).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("packetsReceived", ToString::to_string(&self.packets_received).as_str())?;
        }
        if true {
            struct_ser.serialize_field("tcpState", &self.tcp_state)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("socketCookie", ToString::to_string(&self.socket_cookie).as_str())?;
        }
        if let Some(v) = self.remote_pod.as_ref() {
            struct_ser.serialize_field("remotePod", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Flow {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "direction",
            "protocol",
            "phase",
            "local_ip",
            "localIp",
            "local_port",
            "localPort",
            "remote_ip",
            "remoteIp",
            "remote_port",
            "remotePort",
            "bytes_sent",
            "bytesSent",
            "bytes_received",
            "bytesReceived",
            "packets_sent",
            "packetsSent",
            "packets_received",
            "packetsReceived",
            "tcp_state",
            "tcpState",
            "socket_cookie",
            "socketCookie",
            "remote_pod",
            "remotePod",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Direction,
            Protocol,
            Phase,
            LocalIp,
            LocalPort,
            RemoteIp,
            RemotePort,
            BytesSent,
            BytesReceived,
            PacketsSent,
            PacketsReceived,
            TcpState,
            SocketCookie,
            RemotePod,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "direction" => Ok(GeneratedField::Direction),
                            "protocol" => Ok(GeneratedField::Protocol),
                            "phase" => Ok(GeneratedField::Phase),
                            "localIp" | "local_ip" => Ok(GeneratedField::LocalIp),
                            "localPort" | "local_port" => Ok(GeneratedField::LocalPort),
                            "remoteIp" | "remote_ip" => Ok(GeneratedField::RemoteIp),
                            "remotePort" | "remote_port" => Ok(GeneratedField::RemotePort),
                            "bytesSent" | "bytes_sent" => Ok(GeneratedField::BytesSent),
                            "bytesReceived" | "bytes_received" => Ok(GeneratedField::BytesReceived),
                            "packetsSent" | "packets_sent" => Ok(GeneratedField::PacketsSent),
                            "packetsReceived" | "packets_received" => Ok(GeneratedField::PacketsReceived),
                            "tcpState" | "tcp_state" => Ok(GeneratedField::TcpState),
                            "socketCookie" | "socket_cookie" => Ok(GeneratedField::SocketCookie),
                            "remotePod" | "remote_pod" => Ok(GeneratedField::RemotePod),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Flow;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Flow")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Flow, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut direction__ = None;
                let mut protocol__ = None;
                let mut phase__ = None;
                let mut local_ip__ = None;
                let mut local_port__ = None;
                let mut remote_ip__ = None;
                let mut remote_port__ = None;
                let mut bytes_sent__ = None;
                let mut bytes_received__ = None;
                let mut packets_sent__ = None;
                let mut packets_received__ = None;
                let mut tcp_state__ = None;
                let mut socket_cookie__ = None;
                let mut remote_pod__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Direction => {
                            if direction__.is_some() {
                                return Err(serde::de::Error::duplicate_field("direction"));
                            }
                            direction__ = Some(map_.next_value::<flow::Direction>()? as i32);
                        }
                        GeneratedField::Protocol => {
                            if protocol__.is_some() {
                                return Err(serde::de::Error::duplicate_field("protocol"));
                            }
                            protocol__ = Some(map_.next_value::<flow::Protocol>()? as i32);
                        }
                        GeneratedField::Phase => {
                            if phase__.is_some() {
                                return Err(serde::de::Error::duplicate_field("phase"));
                            }
                            phase__ = Some(map_.next_value::<flow::Phase>()? as i32);
                        }
                        GeneratedField::LocalIp => {
                            if local_ip__.is_some() {
                                return Err(serde::de::Error::duplicate_field("localIp"));
                            }
                            local_ip__ = Some(map_.next_value()?);
                        }
                        GeneratedField::LocalPort => {
                            if local_port__.is_some() {
                                return Err(serde::de::Error::duplicate_field("localPort"));
                            }
                            local_port__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::RemoteIp => {
                            if remote_ip__.is_some() {
                                return Err(serde::de::Error::duplicate_field("remoteIp"));
                            }
                            remote_ip__ = Some(map_.next_value()?);
                        }
                        GeneratedField::RemotePort => {
                            if remote_port__.is_some() {
                                return Err(serde::de::Error::duplicate_field("remotePort"));
                            }
                            remote_port__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::BytesSent => {
                            if bytes_sent__.is_some() {
                                return Err(serde::de::Error::duplicate_field("bytesSent"));
                            }
                            bytes_sent__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::BytesReceived => {
                            if bytes_received__.is_some() {
                                return Err(serde::de::Error::duplicate_field("bytesReceived"));
                            }
                            bytes_received__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::PacketsSent => {
                            if packets_sent__.is_some() {
                                return Err(serde::de::Error::duplicate_field("packetsSent"));
                            }
                            packets_sent__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::PacketsReceived => {
                            if packets_received__.is_some() {
                                return Err(serde::de::Error::duplicate_field("packetsReceived"));
                            }
                            packets_received__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::TcpState => {
                            if tcp_state__.is_some() {
                                return Err(serde::de::Error::duplicate_field("tcpState"));
                            }
                            tcp_state__ = Some(map_.next_value()?);
                        }
                        GeneratedField::SocketCookie => {
                            if socket_cookie__.is_some() {
                                return Err(serde::de::Error::duplicate_field("socketCookie"));
                            }
                            socket_cookie__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::RemotePod => {
                            if remote_pod__.is_some() {
                                return Err(serde::de::Error::duplicate_field("remotePod"));
                            }
                            remote_pod__ = map_.next_value()?;
                        }
                    }
                }
                Ok(Flow {
                    direction: direction__.unwrap_or_default(),
                    protocol: protocol__.unwrap_or_default(),
                    phase: phase__.unwrap_or_default(),
                    local_ip: local_ip__.unwrap_or_default(),
                    local_port: local_port__.unwrap_or_default(),
                    remote_ip: remote_ip__.unwrap_or_default(),
                    remote_port: remote_port__.unwrap_or_default(),
                    bytes_sent: bytes_sent__.unwrap_or_default(),
                    bytes_received: bytes_received__.unwrap_or_default(),
                    packets_sent: packets_sent__.unwrap_or_default(),
                    packets_received: packets_received__.unwrap_or_default(),
                    tcp_state: tcp_state__.unwrap_or_default(),
                    socket_cookie: socket_cookie__.unwrap_or_default(),
                    remote_pod: remote_pod__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Flow", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for flow::Direction {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "DIRECTION_UNSPECIFIED",
            Self::Egress => "egress",
            Self::Ingress => "ingress",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for flow::Direction {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "DIRECTION_UNSPECIFIED",
            "egress",
            "ingress",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = flow::Direction;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "DIRECTION_UNSPECIFIED" => Ok(flow::Direction::Unspecified),
                    "egress" => Ok(flow::Direction::Egress),
                    "ingress" => Ok(flow::Direction::Ingress),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for flow::Phase {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "PHASE_UNSPECIFIED",
            Self::Open => "open",
            Self::Update => "update",
            Self::Close => "close",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for flow::Phase {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "PHASE_UNSPECIFIED",
            "open",
            "update",
            "close",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = flow::Phase;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "PHASE_UNSPECIFIED" => Ok(flow::Phase::Unspecified),
                    "open" => Ok(flow::Phase::Open),
                    "update" => Ok(flow::Phase::Update),
                    "close" => Ok(flow::Phase::Close),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for flow::Protocol {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "PROTOCOL_UNSPECIFIED",
            Self::Tcp => "tcp",
            Self::Udp => "udp",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for flow::Protocol {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "PROTOCOL_UNSPECIFIED",
            "tcp",
            "udp",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = flow::Protocol;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "PROTOCOL_UNSPECIFIED" => Ok(flow::Protocol::Unspecified),
                    "tcp" => Ok(flow::Protocol::Tcp),
                    "udp" => Ok(flow::Protocol::Udp),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for Gap {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Gap", len)?;
        if let Some(v) = self.until.as_ref() {
            struct_ser.serialize_field("until", v)?;
        }
        if true {
            let v = gap::Reason::try_from(self.reason)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.reason)))?;
            struct_ser.serialize_field("reason", &v)?;
        }
        if true {
            struct_ser.serialize_field("previousBootId", &self.previous_boot_id)?;
        }
        if let Some(v) = self.from.as_ref() {
            struct_ser.serialize_field("from", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Gap {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "until",
            "reason",
            "previous_boot_id",
            "previousBootId",
            "from",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Until,
            Reason,
            PreviousBootId,
            From,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "until" => Ok(GeneratedField::Until),
                            "reason" => Ok(GeneratedField::Reason),
                            "previousBootId" | "previous_boot_id" => Ok(GeneratedField::PreviousBootId),
                            "from" => Ok(GeneratedField::From),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Gap;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Gap")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Gap, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut until__ = None;
                let mut reason__ = None;
                let mut previous_boot_id__ = None;
                let mut from__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Until => {
                            if until__.is_some() {
                                return Err(serde::de::Error::duplicate_field("until"));
                            }
                            until__ = map_.next_value()?;
                        }
                        GeneratedField::Reason => {
                            if reason__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reason"));
                            }
                            reason__ = Some(map_.next_value::<gap::Reason>()? as i32);
                        }
                        GeneratedField::PreviousBootId => {
                            if previous_boot_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("previousBootId"));
                            }
                            previous_boot_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::From => {
                            if from__.is_some() {
                                return Err(serde::de::Error::duplicate_field("from"));
                            }
                            from__ = map_.next_value()?;
                        }
                    }
                }
                Ok(Gap {
                    until: until__,
                    reason: reason__.unwrap_or_default(),
                    previous_boot_id: previous_boot_id__.unwrap_or_default(),
                    from: from__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Gap", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for gap::Reason {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "REASON_UNSPECIFIED",
            Self::AgentStopped => "agent_stopped",
            Self::AgentEnded => "agent_ended",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for gap::Reason {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "REASON_UNSPECIFIED",
            "agent_stopped",
            "agent_ended",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = gap::Reason;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "REASON_UNSPECIFIED" => Ok(gap::Reason::Unspecified),
                    "agent_stopped" => Ok(gap::Reason::AgentStopped),
                    "agent_ended" => Ok(gap::Reason::AgentEnded),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for Hello {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Hello", len)?;
        if true {
            struct_ser.serialize_field("node", &self.node)?;
        }
        if true {
            struct_ser.serialize_field("bootId", &self.boot_id)?;
        }
        if true {
            struct_ser.serialize_field("version", &self.version)?;
        }
        if true {
            struct_ser.serialize_field("tiers", &self.tiers)?;
        }
        if let Some(v) = self.stats.as_ref() {
            struct_ser.serialize_field("stats", v)?;
        }
        if let Some(v) = self.unobserved_before.as_ref() {
            struct_ser.serialize_field("unobservedBefore", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Hello {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node",
            "boot_id",
            "bootId",
            "version",
            "tiers",
            "stats",
            "unobserved_before",
            "unobservedBefore",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Node,
            BootId,
            Version,
            Tiers,
            Stats,
            UnobservedBefore,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "node" => Ok(GeneratedField::Node),
                            "bootId" | "boot_id" => Ok(GeneratedField::BootId),
                            "version" => Ok(GeneratedField::Version),
                            "tiers" => Ok(GeneratedField::Tiers),
                            "stats" => Ok(GeneratedField::Stats),
                            "unobservedBefore" | "unobserved_before" => Ok(GeneratedField::UnobservedBefore),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Hello;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Hello")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Hello, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node__ = None;
                let mut boot_id__ = None;
                let mut version__ = None;
                let mut tiers__ = None;
                let mut stats__ = None;
                let mut unobserved_before__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Node => {
                            if node__.is_some() {
                                return Err(serde::de::Error::duplicate_field("node"));
                            }
                            node__ = Some(map_.next_value()?);
                        }
                        GeneratedField::BootId => {
                            if boot_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("bootId"));
                            }
                            boot_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Version => {
                            if version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("version"));
                            }
                            version__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Tiers => {
                            if tiers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("tiers"));
                            }
                            tiers__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Stats => {
                            if stats__.is_some() {
                                return Err(serde::de::Error::duplicate_field("stats"));
                            }
                            stats__ = map_.next_value()?;
                        }
                        GeneratedField::UnobservedBefore => {
                            if unobserved_before__.is_some() {
                                return Err(serde::de::Error::duplicate_field("unobservedBefore"));
                            }
                            unobserved_before__ = map_.next_value()?;
                        }
                    }
                }
                Ok(Hello {
                    node: node__.unwrap_or_default(),
                    boot_id: boot_id__.unwrap_or_default(),
                    version: version__.unwrap_or_default(),
                    tiers: tiers__.unwrap_or_default(),
                    stats: stats__,
                    unobserved_before: unobserved_before__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Hello", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for IngestStatus {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.IngestStatus", len)?;
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("batches", ToString::to_string(&self.batches).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("eventsStored", ToString::to_string(&self.events_stored).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("duplicates", ToString::to_string(&self.duplicates).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("batchesRefused", ToString::to_string(&self.batches_refused).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("subscriberMissed", ToString::to_string(&self.subscriber_missed).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("conflicts", ToString::to_string(&self.conflicts).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("streamsRefused", ToString::to_string(&self.streams_refused).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for IngestStatus {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "batches",
            "events_stored",
            "eventsStored",
            "duplicates",
            "batches_refused",
            "batchesRefused",
            "subscriber_missed",
            "subscriberMissed",
            "conflicts",
            "streams_refused",
            "streamsRefused",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Batches,
            EventsStored,
            Duplicates,
            BatchesRefused,
            SubscriberMissed,
            Conflicts,
            StreamsRefused,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "batches" => Ok(GeneratedField::Batches),
                            "eventsStored" | "events_stored" => Ok(GeneratedField::EventsStored),
                            "duplicates" => Ok(GeneratedField::Duplicates),
                            "batchesRefused" | "batches_refused" => Ok(GeneratedField::BatchesRefused),
                            "subscriberMissed" | "subscriber_missed" => Ok(GeneratedField::SubscriberMissed),
                            "conflicts" => Ok(GeneratedField::Conflicts),
                            "streamsRefused" | "streams_refused" => Ok(GeneratedField::StreamsRefused),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = IngestStatus;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.IngestStatus")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<IngestStatus, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut batches__ = None;
                let mut events_stored__ = None;
                let mut duplicates__ = None;
                let mut batches_refused__ = None;
                let mut subscriber_missed__ = None;
                let mut conflicts__ = None;
                let mut streams_refused__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Batches => {
                            if batches__.is_some() {
                                return Err(serde::de::Error::duplicate_field("batches"));
                            }
                            batches__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::EventsStored => {
                            if events_stored__.is_some() {
                                return Err(serde::de::Error::duplicate_field("eventsStored"));
                            }
                            events_stored__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Duplicates => {
                            if duplicates__.is_some() {
                                return Err(serde::de::Error::duplicate_field("duplicates"));
                            }
                            duplicates__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::BatchesRefused => {
                            if batches_refused__.is_some() {
                                return Err(serde::de::Error::duplicate_field("batchesRefused"));
                            }
                            batches_refused__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::SubscriberMissed => {
                            if subscriber_missed__.is_some() {
                                return Err(serde::de::Error::duplicate_field("subscriberMissed"));
                            }
                            subscriber_missed__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Conflicts => {
                            if conflicts__.is_some() {
                                return Err(serde::de::Error::duplicate_field("conflicts"));
                            }
                            conflicts__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::StreamsRefused => {
                            if streams_refused__.is_some() {
                                return Err(serde::de::Error::duplicate_field("streamsRefused"));
                            }
                            streams_refused__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(IngestStatus {
                    batches: batches__.unwrap_or_default(),
                    events_stored: events_stored__.unwrap_or_default(),
                    duplicates: duplicates__.unwrap_or_default(),
                    batches_refused: batches_refused__.unwrap_or_default(),
                    subscriber_missed: subscriber_missed__.unwrap_or_default(),
                    conflicts: conflicts__.unwrap_or_default(),
                    streams_refused: streams_refused__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.IngestStatus", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for LabelRequirement {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.LabelRequirement", len)?;
        if true {
            struct_ser.serialize_field("key", &self.key)?;
        }
        if true {
            struct_ser.serialize_field("operator", &self.operator)?;
        }
        if true {
            struct_ser.serialize_field("values", &self.values)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for LabelRequirement {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "key",
            "operator",
            "values",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Key,
            Operator,
            Values,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "key" => Ok(GeneratedField::Key),
                            "operator" => Ok(GeneratedField::Operator),
                            "values" => Ok(GeneratedField::Values),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = LabelRequirement;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.LabelRequirement")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<LabelRequirement, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut key__ = None;
                let mut operator__ = None;
                let mut values__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Key => {
                            if key__.is_some() {
                                return Err(serde::de::Error::duplicate_field("key"));
                            }
                            key__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Operator => {
                            if operator__.is_some() {
                                return Err(serde::de::Error::duplicate_field("operator"));
                            }
                            operator__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Values => {
                            if values__.is_some() {
                                return Err(serde::de::Error::duplicate_field("values"));
                            }
                            values__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(LabelRequirement {
                    key: key__.unwrap_or_default(),
                    operator: operator__.unwrap_or_default(),
                    values: values__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.LabelRequirement", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for LabelSelector {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.LabelSelector", len)?;
        if true {
            struct_ser.serialize_field("matchLabels", &self.match_labels)?;
        }
        if true {
            struct_ser.serialize_field("matchExpressions", &self.match_expressions)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for LabelSelector {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "match_labels",
            "matchLabels",
            "match_expressions",
            "matchExpressions",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            MatchLabels,
            MatchExpressions,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "matchLabels" | "match_labels" => Ok(GeneratedField::MatchLabels),
                            "matchExpressions" | "match_expressions" => Ok(GeneratedField::MatchExpressions),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = LabelSelector;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.LabelSelector")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<LabelSelector, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut match_labels__ = None;
                let mut match_expressions__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::MatchLabels => {
                            if match_labels__.is_some() {
                                return Err(serde::de::Error::duplicate_field("matchLabels"));
                            }
                            match_labels__ = Some(
                                map_.next_value::<std::collections::BTreeMap<_, _>>()?
                            );
                        }
                        GeneratedField::MatchExpressions => {
                            if match_expressions__.is_some() {
                                return Err(serde::de::Error::duplicate_field("matchExpressions"));
                            }
                            match_expressions__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(LabelSelector {
                    match_labels: match_labels__.unwrap_or_default(),
                    match_expressions: match_expressions__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.LabelSelector", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Missed {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Missed", len)?;
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("events", ToString::to_string(&self.events).as_str())?;
        }
        if true {
            struct_ser.serialize_field("reason", &self.reason)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Missed {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "events",
            "reason",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Events,
            Reason,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "events" => Ok(GeneratedField::Events),
                            "reason" => Ok(GeneratedField::Reason),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Missed;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Missed")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Missed, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut events__ = None;
                let mut reason__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Events => {
                            if events__.is_some() {
                                return Err(serde::de::Error::duplicate_field("events"));
                            }
                            events__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Reason => {
                            if reason__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reason"));
                            }
                            reason__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Missed {
                    events: events__.unwrap_or_default(),
                    reason: reason__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Missed", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for NameCount {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.NameCount", len)?;
        if true {
            struct_ser.serialize_field("name", &self.name)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("count", ToString::to_string(&self.count).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for NameCount {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "name",
            "count",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Name,
            Count,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "name" => Ok(GeneratedField::Name),
                            "count" => Ok(GeneratedField::Count),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = NameCount;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.NameCount")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<NameCount, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut name__ = None;
                let mut count__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Count => {
                            if count__.is_some() {
                                return Err(serde::de::Error::duplicate_field("count"));
                            }
                            count__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(NameCount {
                    name: name__.unwrap_or_default(),
                    count: count__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.NameCount", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for NamedPort {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.NamedPort", len)?;
        if true {
            struct_ser.serialize_field("name", &self.name)?;
        }
        if true {
            struct_ser.serialize_field("port", &self.port)?;
        }
        if true {
            let v = flow::Protocol::try_from(self.protocol)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.protocol)))?;
            struct_ser.serialize_field("protocol", &v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for NamedPort {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "name",
            "port",
            "protocol",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Name,
            Port,
            Protocol,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "name" => Ok(GeneratedField::Name),
                            "port" => Ok(GeneratedField::Port),
                            "protocol" => Ok(GeneratedField::Protocol),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = NamedPort;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.NamedPort")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<NamedPort, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut name__ = None;
                let mut port__ = None;
                let mut protocol__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Port => {
                            if port__.is_some() {
                                return Err(serde::de::Error::duplicate_field("port"));
                            }
                            port__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Protocol => {
                            if protocol__.is_some() {
                                return Err(serde::de::Error::duplicate_field("protocol"));
                            }
                            protocol__ = Some(map_.next_value::<flow::Protocol>()? as i32);
                        }
                    }
                }
                Ok(NamedPort {
                    name: name__.unwrap_or_default(),
                    port: port__.unwrap_or_default(),
                    protocol: protocol__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.NamedPort", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for NodeChain {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.NodeChain", len)?;
        if true {
            struct_ser.serialize_field("node", &self.node)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("links", ToString::to_string(&self.links).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("eventsVerified", ToString::to_string(&self.events_verified).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("eventsPruned", ToString::to_string(&self.events_pruned).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("eventsUnchained", ToString::to_string(&self.events_unchained).as_str())?;
        }
        if true {
            struct_ser.serialize_field("head", &self.head)?;
        }
        if true {
            struct_ser.serialize_field("problems", &self.problems)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("eventsDeleted", ToString::to_string(&self.events_deleted).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for NodeChain {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node",
            "links",
            "events_verified",
            "eventsVerified",
            "events_pruned",
            "eventsPruned",
            "events_unchained",
            "eventsUnchained",
            "head",
            "problems",
            "events_deleted",
            "eventsDeleted",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Node,
            Links,
            EventsVerified,
            EventsPruned,
            EventsUnchained,
            Head,
            Problems,
            EventsDeleted,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "node" => Ok(GeneratedField::Node),
                            "links" => Ok(GeneratedField::Links),
                            "eventsVerified" | "events_verified" => Ok(GeneratedField::EventsVerified),
                            "eventsPruned" | "events_pruned" => Ok(GeneratedField::EventsPruned),
                            "eventsUnchained" | "events_unchained" => Ok(GeneratedField::EventsUnchained),
                            "head" => Ok(GeneratedField::Head),
                            "problems" => Ok(GeneratedField::Problems),
                            "eventsDeleted" | "events_deleted" => Ok(GeneratedField::EventsDeleted),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = NodeChain;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.NodeChain")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<NodeChain, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node__ = None;
                let mut links__ = None;
                let mut events_verified__ = None;
                let mut events_pruned__ = None;
                let mut events_unchained__ = None;
                let mut head__ = None;
                let mut problems__ = None;
                let mut events_deleted__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Node => {
                            if node__.is_some() {
                                return Err(serde::de::Error::duplicate_field("node"));
                            }
                            node__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Links => {
                            if links__.is_some() {
                                return Err(serde::de::Error::duplicate_field("links"));
                            }
                            links__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::EventsVerified => {
                            if events_verified__.is_some() {
                                return Err(serde::de::Error::duplicate_field("eventsVerified"));
                            }
                            events_verified__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::EventsPruned => {
                            if events_pruned__.is_some() {
                                return Err(serde::de::Error::duplicate_field("eventsPruned"));
                            }
                            events_pruned__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::EventsUnchained => {
                            if events_unchained__.is_some() {
                                return Err(serde::de::Error::duplicate_field("eventsUnchained"));
                            }
                            events_unchained__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Head => {
                            if head__.is_some() {
                                return Err(serde::de::Error::duplicate_field("head"));
                            }
                            head__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Problems => {
                            if problems__.is_some() {
                                return Err(serde::de::Error::duplicate_field("problems"));
                            }
                            problems__ = Some(map_.next_value()?);
                        }
                        GeneratedField::EventsDeleted => {
                            if events_deleted__.is_some() {
                                return Err(serde::de::Error::duplicate_field("eventsDeleted"));
                            }
                            events_deleted__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(NodeChain {
                    node: node__.unwrap_or_default(),
                    links: links__.unwrap_or_default(),
                    events_verified: events_verified__.unwrap_or_default(),
                    events_pruned: events_pruned__.unwrap_or_default(),
                    events_unchained: events_unchained__.unwrap_or_default(),
                    head: head__.unwrap_or_default(),
                    problems: problems__.unwrap_or_default(),
                    events_deleted: events_deleted__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.NodeChain", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Parent {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Parent", len)?;
        if true {
            struct_ser.serialize_field("pid", &self.pid)?;
        }
        if true {
            struct_ser.serialize_field("comm", &self.comm)?;
        }
        if true {
            struct_ser.serialize_field("binary", &self.binary)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Parent {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "pid",
            "comm",
            "binary",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Pid,
            Comm,
            Binary,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "pid" => Ok(GeneratedField::Pid),
                            "comm" => Ok(GeneratedField::Comm),
                            "binary" => Ok(GeneratedField::Binary),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Parent;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Parent")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Parent, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut pid__ = None;
                let mut comm__ = None;
                let mut binary__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Pid => {
                            if pid__.is_some() {
                                return Err(serde::de::Error::duplicate_field("pid"));
                            }
                            pid__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Comm => {
                            if comm__.is_some() {
                                return Err(serde::de::Error::duplicate_field("comm"));
                            }
                            comm__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Binary => {
                            if binary__.is_some() {
                                return Err(serde::de::Error::duplicate_field("binary"));
                            }
                            binary__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Parent {
                    pid: pid__.unwrap_or_default(),
                    comm: comm__.unwrap_or_default(),
                    binary: binary__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Parent", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Pod {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Pod", len)?;
        if true {
            struct_ser.serialize_field("namespace", &self.namespace)?;
        }
        if true {
            struct_ser.serialize_field("name", &self.name)?;
        }
        if true {
            struct_ser.serialize_field("uid", &self.uid)?;
        }
        if true {
            struct_ser.serialize_field("labels", &self.labels)?;
        }
        if true {
            struct_ser.serialize_field("containerId", &self.container_id)?;
        }
        if true {
            struct_ser.serialize_field("containerName", &self.container_name)?;
        }
        if true {
            let v = pod::Attribution::try_from(self.attribution)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.attribution)))?;
            struct_ser.serialize_field("attribution", &v)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("cgroupId", ToString::to_string(&self.cgroup_id).as_str())?;
        }
        if true {
            struct_ser.serialize_field("namespaceLabels", &self.namespace_labels)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Pod {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "namespace",
            "name",
            "uid",
            "labels",
            "container_id",
            "containerId",
            "container_name",
            "containerName",
            "attribution",
            "cgroup_id",
            "cgroupId",
            "namespace_labels",
            "namespaceLabels",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Namespace,
            Name,
            Uid,
            Labels,
            ContainerId,
            ContainerName,
            Attribution,
            CgroupId,
            NamespaceLabels,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "namespace" => Ok(GeneratedField::Namespace),
                            "name" => Ok(GeneratedField::Name),
                            "uid" => Ok(GeneratedField::Uid),
                            "labels" => Ok(GeneratedField::Labels),
                            "containerId" | "container_id" => Ok(GeneratedField::ContainerId),
                            "containerName" | "container_name" => Ok(GeneratedField::ContainerName),
                            "attribution" => Ok(GeneratedField::Attribution),
                            "cgroupId" | "cgroup_id" => Ok(GeneratedField::CgroupId),
                            "namespaceLabels" | "namespace_labels" => Ok(GeneratedField::NamespaceLabels),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Pod;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Pod")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Pod, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut namespace__ = None;
                let mut name__ = None;
                let mut uid__ = None;
                let mut labels__ = None;
                let mut container_id__ = None;
                let mut container_name__ = None;
                let mut attribution__ = None;
                let mut cgroup_id__ = None;
                let mut namespace_labels__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Namespace => {
                            if namespace__.is_some() {
                                return Err(serde::de::Error::duplicate_field("namespace"));
                            }
                            namespace__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Uid => {
                            if uid__.is_some() {
                                return Err(serde::de::Error::duplicate_field("uid"));
                            }
                            uid__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Labels => {
                            if labels__.is_some() {
                                return Err(serde::de::Error::duplicate_field("labels"));
                            }
                            labels__ = Some(
                                map_.next_value::<std::collections::BTreeMap<_, _>>()?
                            );
                        }
                        GeneratedField::ContainerId => {
                            if container_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containerId"));
                            }
                            container_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::ContainerName => {
                            if container_name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("containerName"));
                            }
                            container_name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Attribution => {
                            if attribution__.is_some() {
                                return Err(serde::de::Error::duplicate_field("attribution"));
                            }
                            attribution__ = Some(map_.next_value::<pod::Attribution>()? as i32);
                        }
                        GeneratedField::CgroupId => {
                            if cgroup_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("cgroupId"));
                            }
                            cgroup_id__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::NamespaceLabels => {
                            if namespace_labels__.is_some() {
                                return Err(serde::de::Error::duplicate_field("namespaceLabels"));
                            }
                            namespace_labels__ = Some(
                                map_.next_value::<std::collections::BTreeMap<_, _>>()?
                            );
                        }
                    }
                }
                Ok(Pod {
                    namespace: namespace__.unwrap_or_default(),
                    name: name__.unwrap_or_default(),
                    uid: uid__.unwrap_or_default(),
                    labels: labels__.unwrap_or_default(),
                    container_id: container_id__.unwrap_or_default(),
                    container_name: container_name__.unwrap_or_default(),
                    attribution: attribution__.unwrap_or_default(),
                    cgroup_id: cgroup_id__.unwrap_or_default(),
                    namespace_labels: namespace_labels__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Pod", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for pod::Attribution {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "ATTRIBUTION_UNSPECIFIED",
            Self::Exact => "exact",
            Self::Late => "late",
            Self::Unknown => "unknown",
            Self::Host => "host",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for pod::Attribution {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "ATTRIBUTION_UNSPECIFIED",
            "exact",
            "late",
            "unknown",
            "host",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = pod::Attribution;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "ATTRIBUTION_UNSPECIFIED" => Ok(pod::Attribution::Unspecified),
                    "exact" => Ok(pod::Attribution::Exact),
                    "late" => Ok(pod::Attribution::Late),
                    "unknown" => Ok(pod::Attribution::Unknown),
                    "host" => Ok(pod::Attribution::Host),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for PolicySource {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.PolicySource", len)?;
        if true {
            struct_ser.serialize_field("name", &self.name)?;
        }
        if true {
            struct_ser.serialize_field("content", &self.content)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for PolicySource {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "name",
            "content",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Name,
            Content,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "name" => Ok(GeneratedField::Name),
                            "content" => Ok(GeneratedField::Content),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = PolicySource;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.PolicySource")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<PolicySource, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut name__ = None;
                let mut content__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Content => {
                            if content__.is_some() {
                                return Err(serde::de::Error::duplicate_field("content"));
                            }
                            content__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(PolicySource {
                    name: name__.unwrap_or_default(),
                    content: content__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.PolicySource", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Privilege {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Privilege", len)?;
        if true {
            let v = privilege::Operation::try_from(self.operation)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.operation)))?;
            struct_ser.serialize_field("operation", &v)?;
        }
        if let Some(v) = self.old_uids.as_ref() {
            struct_ser.serialize_field("oldUids", v)?;
        }
        if let Some(v) = self.new_uids.as_ref() {
            struct_ser.serialize_field("newUids", v)?;
        }
        if let Some(v) = self.old_gids.as_ref() {
            struct_ser.serialize_field("oldGids", v)?;
        }
        if let Some(v) = self.new_gids.as_ref() {
            struct_ser.serialize_field("newGids", v)?;
        }
        if true {
            struct_ser.serialize_field("capabilitiesGained", &self.capabilities_gained)?;
        }
        if true {
            struct_ser.serialize_field("binary", &self.binary)?;
        }
        if true {
            struct_ser.serialize_field("tookEffect", &self.took_effect)?;
        }
        if true {
            struct_ser.serialize_field("effect", &self.effect)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Privilege {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "operation",
            "old_uids",
            "oldUids",
            "new_uids",
            "newUids",
            "old_gids",
            "oldGids",
            "new_gids",
            "newGids",
            "capabilities_gained",
            "capabilitiesGained",
            "binary",
            "took_effect",
            "tookEffect",
            "effect",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Operation,
            OldUids,
            NewUids,
            OldGids,
            NewGids,
            CapabilitiesGained,
            Binary,
            TookEffect,
            Effect,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "operation" => Ok(GeneratedField::Operation),
                            "oldUids" | "old_uids" => Ok(GeneratedField::OldUids),
                            "newUids" | "new_uids" => Ok(GeneratedField::NewUids),
                            "oldGids" | "old_gids" => Ok(GeneratedField::OldGids),
                            "newGids" | "new_gids" => Ok(GeneratedField::NewGids),
                            "capabilitiesGained" | "capabilities_gained" => Ok(GeneratedField::CapabilitiesGained),
                            "binary" => Ok(GeneratedField::Binary),
                            "tookEffect" | "took_effect" => Ok(GeneratedField::TookEffect),
                            "effect" => Ok(GeneratedField::Effect),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Privilege;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Privilege")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Privilege, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut operation__ = None;
                let mut old_uids__ = None;
                let mut new_uids__ = None;
                let mut old_gids__ = None;
                let mut new_gids__ = None;
                let mut capabilities_gained__ = None;
                let mut binary__ = None;
                let mut took_effect__ = None;
                let mut effect__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Operation => {
                            if operation__.is_some() {
                                return Err(serde::de::Error::duplicate_field("operation"));
                            }
                            operation__ = Some(map_.next_value::<privilege::Operation>()? as i32);
                        }
                        GeneratedField::OldUids => {
                            if old_uids__.is_some() {
                                return Err(serde::de::Error::duplicate_field("oldUids"));
                            }
                            old_uids__ = map_.next_value()?;
                        }
                        GeneratedField::NewUids => {
                            if new_uids__.is_some() {
                                return Err(serde::de::Error::duplicate_field("newUids"));
                            }
                            new_uids__ = map_.next_value()?;
                        }
                        GeneratedField::OldGids => {
                            if old_gids__.is_some() {
                                return Err(serde::de::Error::duplicate_field("oldGids"));
                            }
                            old_gids__ = map_.next_value()?;
                        }
                        GeneratedField::NewGids => {
                            if new_gids__.is_some() {
                                return Err(serde::de::Error::duplicate_field("newGids"));
                            }
                            new_gids__ = map_.next_value()?;
                        }
                        GeneratedField::CapabilitiesGained => {
                            if capabilities_gained__.is_some() {
                                return Err(serde::de::Error::duplicate_field("capabilitiesGained"));
                            }
                            capabilities_gained__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Binary => {
                            if binary__.is_some() {
                                return Err(serde::de::Error::duplicate_field("binary"));
                            }
                            binary__ = Some(map_.next_value()?);
                        }
                        GeneratedField::TookEffect => {
                            if took_effect__.is_some() {
                                return Err(serde::de::Error::duplicate_field("tookEffect"));
                            }
                            took_effect__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Effect => {
                            if effect__.is_some() {
                                return Err(serde::de::Error::duplicate_field("effect"));
                            }
                            effect__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Privilege {
                    operation: operation__.unwrap_or_default(),
                    old_uids: old_uids__,
                    new_uids: new_uids__,
                    old_gids: old_gids__,
                    new_gids: new_gids__,
                    capabilities_gained: capabilities_gained__.unwrap_or_default(),
                    binary: binary__.unwrap_or_default(),
                    took_effect: took_effect__.unwrap_or_default(),
                    effect: effect__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Privilege", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for privilege::Ids {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Privilege.Ids", len)?;
        if true {
            struct_ser.serialize_field("real", &self.real)?;
        }
        if true {
            struct_ser.serialize_field("effective", &self.effective)?;
        }
        if true {
            struct_ser.serialize_field("saved", &self.saved)?;
        }
        if true {
            struct_ser.serialize_field("fs", &self.fs)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for privilege::Ids {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "real",
            "effective",
            "saved",
            "fs",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Real,
            Effective,
            Saved,
            Fs,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "real" => Ok(GeneratedField::Real),
                            "effective" => Ok(GeneratedField::Effective),
                            "saved" => Ok(GeneratedField::Saved),
                            "fs" => Ok(GeneratedField::Fs),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = privilege::Ids;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Privilege.Ids")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<privilege::Ids, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut real__ = None;
                let mut effective__ = None;
                let mut saved__ = None;
                let mut fs__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Real => {
                            if real__.is_some() {
                                return Err(serde::de::Error::duplicate_field("real"));
                            }
                            real__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Effective => {
                            if effective__.is_some() {
                                return Err(serde::de::Error::duplicate_field("effective"));
                            }
                            effective__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Saved => {
                            if saved__.is_some() {
                                return Err(serde::de::Error::duplicate_field("saved"));
                            }
                            saved__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Fs => {
                            if fs__.is_some() {
                                return Err(serde::de::Error::duplicate_field("fs"));
                            }
                            fs__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(privilege::Ids {
                    real: real__.unwrap_or_default(),
                    effective: effective__.unwrap_or_default(),
                    saved: saved__.unwrap_or_default(),
                    fs: fs__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Privilege.Ids", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for privilege::Operation {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "OPERATION_UNSPECIFIED",
            Self::Setuid => "setuid",
            Self::Setgid => "setgid",
            Self::Setreuid => "setreuid",
            Self::Setregid => "setregid",
            Self::Setresuid => "setresuid",
            Self::Setresgid => "setresgid",
            Self::Setfsuid => "setfsuid",
            Self::Setfsgid => "setfsgid",
            Self::ExecSetuid => "exec_setuid",
            Self::ExecSetgid => "exec_setgid",
            Self::ExecFileCaps => "exec_file_caps",
            Self::Capset => "capset",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for privilege::Operation {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "OPERATION_UNSPECIFIED",
            "setuid",
            "setgid",
            "setreuid",
            "setregid",
            "setresuid",
            "setresgid",
            "setfsuid",
            "setfsgid",
            "exec_setuid",
            "exec_setgid",
            "exec_file_caps",
            "capset",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = privilege::Operation;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "OPERATION_UNSPECIFIED" => Ok(privilege::Operation::Unspecified),
                    "setuid" => Ok(privilege::Operation::Setuid),
                    "setgid" => Ok(privilege::Operation::Setgid),
                    "setreuid" => Ok(privilege::Operation::Setreuid),
                    "setregid" => Ok(privilege::Operation::Setregid),
                    "setresuid" => Ok(privilege::Operation::Setresuid),
                    "setresgid" => Ok(privilege::Operation::Setresgid),
                    "setfsuid" => Ok(privilege::Operation::Setfsuid),
                    "setfsgid" => Ok(privilege::Operation::Setfsgid),
                    "exec_setuid" => Ok(privilege::Operation::ExecSetuid),
                    "exec_setgid" => Ok(privilege::Operation::ExecSetgid),
                    "exec_file_caps" => Ok(privilege::Operation::ExecFileCaps),
                    "capset" => Ok(privilege::Operation::Capset),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for Process {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Process", len)?;
        if true {
            struct_ser.serialize_field("pid", &self.pid)?;
        }
        if true {
            struct_ser.serialize_field("tid", &self.tid)?;
        }
        if true {
            struct_ser.serialize_field("uid", &self.uid)?;
        }
        if true {
            struct_ser.serialize_field("euid", &self.euid)?;
        }
        if true {
            struct_ser.serialize_field("gid", &self.gid)?;
        }
        if true {
            struct_ser.serialize_field("egid", &self.egid)?;
        }
        if true {
            struct_ser.serialize_field("comm", &self.comm)?;
        }
        if true {
            struct_ser.serialize_field("binary", &self.binary)?;
        }
        if let Some(v) = self.parent.as_ref() {
            struct_ser.serialize_field("parent", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Process {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "pid",
            "tid",
            "uid",
            "euid",
            "gid",
            "egid",
            "comm",
            "binary",
            "parent",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Pid,
            Tid,
            Uid,
            Euid,
            Gid,
            Egid,
            Comm,
            Binary,
            Parent,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "pid" => Ok(GeneratedField::Pid),
                            "tid" => Ok(GeneratedField::Tid),
                            "uid" => Ok(GeneratedField::Uid),
                            "euid" => Ok(GeneratedField::Euid),
                            "gid" => Ok(GeneratedField::Gid),
                            "egid" => Ok(GeneratedField::Egid),
                            "comm" => Ok(GeneratedField::Comm),
                            "binary" => Ok(GeneratedField::Binary),
                            "parent" => Ok(GeneratedField::Parent),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Process;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Process")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Process, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut pid__ = None;
                let mut tid__ = None;
                let mut uid__ = None;
                let mut euid__ = None;
                let mut gid__ = None;
                let mut egid__ = None;
                let mut comm__ = None;
                let mut binary__ = None;
                let mut parent__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Pid => {
                            if pid__.is_some() {
                                return Err(serde::de::Error::duplicate_field("pid"));
                            }
                            pid__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Tid => {
                            if tid__.is_some() {
                                return Err(serde::de::Error::duplicate_field("tid"));
                            }
                            tid__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Uid => {
                            if uid__.is_some() {
                                return Err(serde::de::Error::duplicate_field("uid"));
                            }
                            uid__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Euid => {
                            if euid__.is_some() {
                                return Err(serde::de::Error::duplicate_field("euid"));
                            }
                            euid__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Gid => {
                            if gid__.is_some() {
                                return Err(serde::de::Error::duplicate_field("gid"));
                            }
                            gid__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Egid => {
                            if egid__.is_some() {
                                return Err(serde::de::Error::duplicate_field("egid"));
                            }
                            egid__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Comm => {
                            if comm__.is_some() {
                                return Err(serde::de::Error::duplicate_field("comm"));
                            }
                            comm__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Binary => {
                            if binary__.is_some() {
                                return Err(serde::de::Error::duplicate_field("binary"));
                            }
                            binary__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Parent => {
                            if parent__.is_some() {
                                return Err(serde::de::Error::duplicate_field("parent"));
                            }
                            parent__ = map_.next_value()?;
                        }
                    }
                }
                Ok(Process {
                    pid: pid__.unwrap_or_default(),
                    tid: tid__.unwrap_or_default(),
                    uid: uid__.unwrap_or_default(),
                    euid: euid__.unwrap_or_default(),
                    gid: gid__.unwrap_or_default(),
                    egid: egid__.unwrap_or_default(),
                    comm: comm__.unwrap_or_default(),
                    binary: binary__.unwrap_or_default(),
                    parent: parent__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Process", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Refusal {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Refusal", len)?;
        if true {
            struct_ser.serialize_field("bootId", &self.boot_id)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("firstSequence", ToString::to_string(&self.first_sequence).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("lastSequence", ToString::to_string(&self.last_sequence).as_str())?;
        }
        if true {
            let v = refusal::Reason::try_from(self.reason)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.reason)))?;
            struct_ser.serialize_field("reason", &v)?;
        }
        if true {
            struct_ser.serialize_field("message", &self.message)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Refusal {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "boot_id",
            "bootId",
            "first_sequence",
            "firstSequence",
            "last_sequence",
            "lastSequence",
            "reason",
            "message",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            BootId,
            FirstSequence,
            LastSequence,
            Reason,
            Message,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "bootId" | "boot_id" => Ok(GeneratedField::BootId),
                            "firstSequence" | "first_sequence" => Ok(GeneratedField::FirstSequence),
                            "lastSequence" | "last_sequence" => Ok(GeneratedField::LastSequence),
                            "reason" => Ok(GeneratedField::Reason),
                            "message" => Ok(GeneratedField::Message),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Refusal;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Refusal")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Refusal, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut boot_id__ = None;
                let mut first_sequence__ = None;
                let mut last_sequence__ = None;
                let mut reason__ = None;
                let mut message__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::BootId => {
                            if boot_id__.is_some() {
                                return Err(serde::de::Error::duplicate_field("bootId"));
                            }
                            boot_id__ = Some(map_.next_value()?);
                        }
                        GeneratedField::FirstSequence => {
                            if first_sequence__.is_some() {
                                return Err(serde::de::Error::duplicate_field("firstSequence"));
                            }
                            first_sequence__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::LastSequence => {
                            if last_sequence__.is_some() {
                                return Err(serde::de::Error::duplicate_field("lastSequence"));
                            }
                            last_sequence__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Reason => {
                            if reason__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reason"));
                            }
                            reason__ = Some(map_.next_value::<refusal::Reason>()? as i32);
                        }
                        GeneratedField::Message => {
                            if message__.is_some() {
                                return Err(serde::de::Error::duplicate_field("message"));
                            }
                            message__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Refusal {
                    boot_id: boot_id__.unwrap_or_default(),
                    first_sequence: first_sequence__.unwrap_or_default(),
                    last_sequence: last_sequence__.unwrap_or_default(),
                    reason: reason__.unwrap_or_default(),
                    message: message__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Refusal", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for refusal::Reason {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "REASON_UNSPECIFIED",
            Self::InvalidEvent => "invalid_event",
            Self::TooManyEvents => "too_many_events",
            Self::InvalidBatch => "invalid_batch",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for refusal::Reason {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "REASON_UNSPECIFIED",
            "invalid_event",
            "too_many_events",
            "invalid_batch",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = refusal::Reason;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "REASON_UNSPECIFIED" => Ok(refusal::Reason::Unspecified),
                    "invalid_event" => Ok(refusal::Reason::InvalidEvent),
                    "too_many_events" => Ok(refusal::Reason::TooManyEvents),
                    "invalid_batch" => Ok(refusal::Reason::InvalidBatch),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for RemotePod {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.RemotePod", len)?;
        if true {
            struct_ser.serialize_field("namespace", &self.namespace)?;
        }
        if true {
            struct_ser.serialize_field("name", &self.name)?;
        }
        if true {
            struct_ser.serialize_field("labels", &self.labels)?;
        }
        if true {
            struct_ser.serialize_field("namespaceLabels", &self.namespace_labels)?;
        }
        if true {
            struct_ser.serialize_field("ports", &self.ports)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for RemotePod {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "namespace",
            "name",
            "labels",
            "namespace_labels",
            "namespaceLabels",
            "ports",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Namespace,
            Name,
            Labels,
            NamespaceLabels,
            Ports,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "namespace" => Ok(GeneratedField::Namespace),
                            "name" => Ok(GeneratedField::Name),
                            "labels" => Ok(GeneratedField::Labels),
                            "namespaceLabels" | "namespace_labels" => Ok(GeneratedField::NamespaceLabels),
                            "ports" => Ok(GeneratedField::Ports),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = RemotePod;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.RemotePod")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<RemotePod, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut namespace__ = None;
                let mut name__ = None;
                let mut labels__ = None;
                let mut namespace_labels__ = None;
                let mut ports__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Namespace => {
                            if namespace__.is_some() {
                                return Err(serde::de::Error::duplicate_field("namespace"));
                            }
                            namespace__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Name => {
                            if name__.is_some() {
                                return Err(serde::de::Error::duplicate_field("name"));
                            }
                            name__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Labels => {
                            if labels__.is_some() {
                                return Err(serde::de::Error::duplicate_field("labels"));
                            }
                            labels__ = Some(
                                map_.next_value::<std::collections::BTreeMap<_, _>>()?
                            );
                        }
                        GeneratedField::NamespaceLabels => {
                            if namespace_labels__.is_some() {
                                return Err(serde::de::Error::duplicate_field("namespaceLabels"));
                            }
                            namespace_labels__ = Some(
                                map_.next_value::<std::collections::BTreeMap<_, _>>()?
                            );
                        }
                        GeneratedField::Ports => {
                            if ports__.is_some() {
                                return Err(serde::de::Error::duplicate_field("ports"));
                            }
                            ports__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(RemotePod {
                    namespace: namespace__.unwrap_or_default(),
                    name: name__.unwrap_or_default(),
                    labels: labels__.unwrap_or_default(),
                    namespace_labels: namespace_labels__.unwrap_or_default(),
                    ports: ports__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.RemotePod", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ReplayRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.ReplayRequest", len)?;
        if let Some(v) = self.filter.as_ref() {
            struct_ser.serialize_field("filter", v)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("limit", ToString::to_string(&self.limit).as_str())?;
        }
        if true {
            struct_ser.serialize_field("newest", &self.newest)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ReplayRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "filter",
            "limit",
            "newest",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Filter,
            Limit,
            Newest,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "filter" => Ok(GeneratedField::Filter),
                            "limit" => Ok(GeneratedField::Limit),
                            "newest" => Ok(GeneratedField::Newest),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ReplayRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.ReplayRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ReplayRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut filter__ = None;
                let mut limit__ = None;
                let mut newest__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Filter => {
                            if filter__.is_some() {
                                return Err(serde::de::Error::duplicate_field("filter"));
                            }
                            filter__ = map_.next_value()?;
                        }
                        GeneratedField::Limit => {
                            if limit__.is_some() {
                                return Err(serde::de::Error::duplicate_field("limit"));
                            }
                            limit__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Newest => {
                            if newest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("newest"));
                            }
                            newest__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(ReplayRequest {
                    filter: filter__,
                    limit: limit__.unwrap_or_default(),
                    newest: newest__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.ReplayRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for ReplayResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.ReplayResponse", len)?;
        if let Some(v) = self.event.as_ref() {
            struct_ser.serialize_field("event", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for ReplayResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "event",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Event,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "event" => Ok(GeneratedField::Event),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = ReplayResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.ReplayResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<ReplayResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut event__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Event => {
                            if event__.is_some() {
                                return Err(serde::de::Error::duplicate_field("event"));
                            }
                            event__ = map_.next_value()?;
                        }
                    }
                }
                Ok(ReplayResponse {
                    event: event__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.ReplayResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for RuleStatus {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.RuleStatus", len)?;
        if true {
            struct_ser.serialize_field("policy", &self.policy)?;
        }
        if true {
            struct_ser.serialize_field("rule", &self.rule)?;
        }
        if true {
            let v = concern_tier::Concern::try_from(self.concern)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.concern)))?;
            struct_ser.serialize_field("concern", &v)?;
        }
        if true {
            struct_ser.serialize_field("mode", &self.mode)?;
        }
        if true {
            let v = verdict::Tier::try_from(self.tier)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.tier)))?;
            struct_ser.serialize_field("tier", &v)?;
        }
        if true {
            struct_ser.serialize_field("degraded", &self.degraded)?;
        }
        if true {
            struct_ser.serialize_field("reason", &self.reason)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("audited", ToString::to_string(&self.audited).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for RuleStatus {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "policy",
            "rule",
            "concern",
            "mode",
            "tier",
            "degraded",
            "reason",
            "audited",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Policy,
            Rule,
            Concern,
            Mode,
            Tier,
            Degraded,
            Reason,
            Audited,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "policy" => Ok(GeneratedField::Policy),
                            "rule" => Ok(GeneratedField::Rule),
                            "concern" => Ok(GeneratedField::Concern),
                            "mode" => Ok(GeneratedField::Mode),
                            "tier" => Ok(GeneratedField::Tier),
                            "degraded" => Ok(GeneratedField::Degraded),
                            "reason" => Ok(GeneratedField::Reason),
                            "audited" => Ok(GeneratedField::Audited),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = RuleStatus;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.RuleStatus")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<RuleStatus, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut policy__ = None;
                let mut rule__ = None;
                let mut concern__ = None;
                let mut mode__ = None;
                let mut tier__ = None;
                let mut degraded__ = None;
                let mut reason__ = None;
                let mut audited__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Policy => {
                            if policy__.is_some() {
                                return Err(serde::de::Error::duplicate_field("policy"));
                            }
                            policy__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Rule => {
                            if rule__.is_some() {
                                return Err(serde::de::Error::duplicate_field("rule"));
                            }
                            rule__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Concern => {
                            if concern__.is_some() {
                                return Err(serde::de::Error::duplicate_field("concern"));
                            }
                            concern__ = Some(map_.next_value::<concern_tier::Concern>()? as i32);
                        }
                        GeneratedField::Mode => {
                            if mode__.is_some() {
                                return Err(serde::de::Error::duplicate_field("mode"));
                            }
                            mode__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Tier => {
                            if tier__.is_some() {
                                return Err(serde::de::Error::duplicate_field("tier"));
                            }
                            tier__ = Some(map_.next_value::<verdict::Tier>()? as i32);
                        }
                        GeneratedField::Degraded => {
                            if degraded__.is_some() {
                                return Err(serde::de::Error::duplicate_field("degraded"));
                            }
                            degraded__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Reason => {
                            if reason__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reason"));
                            }
                            reason__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Audited => {
                            if audited__.is_some() {
                                return Err(serde::de::Error::duplicate_field("audited"));
                            }
                            audited__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(RuleStatus {
                    policy: policy__.unwrap_or_default(),
                    rule: rule__.unwrap_or_default(),
                    concern: concern__.unwrap_or_default(),
                    mode: mode__.unwrap_or_default(),
                    tier: tier__.unwrap_or_default(),
                    degraded: degraded__.unwrap_or_default(),
                    reason: reason__.unwrap_or_default(),
                    audited: audited__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.RuleStatus", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for StatusRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.StatusRequest", len)?;
        if true {
            struct_ser.serialize_field("allBoots", &self.all_boots)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for StatusRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "all_boots",
            "allBoots",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            AllBoots,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "allBoots" | "all_boots" => Ok(GeneratedField::AllBoots),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = StatusRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.StatusRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<StatusRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut all_boots__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::AllBoots => {
                            if all_boots__.is_some() {
                                return Err(serde::de::Error::duplicate_field("allBoots"));
                            }
                            all_boots__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(StatusRequest {
                    all_boots: all_boots__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.StatusRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for StatusResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.StatusResponse", len)?;
        if true {
            struct_ser.serialize_field("version", &self.version)?;
        }
        if let Some(v) = self.started.as_ref() {
            struct_ser.serialize_field("started", v)?;
        }
        if true {
            struct_ser.serialize_field("agents", &self.agents)?;
        }
        if let Some(v) = self.store.as_ref() {
            struct_ser.serialize_field("store", v)?;
        }
        if let Some(v) = self.ingest.as_ref() {
            struct_ser.serialize_field("ingest", v)?;
        }
        if true {
            struct_ser.serialize_field("subscribers", &self.subscribers)?;
        }
        if true {
            struct_ser.serialize_field("readers", &self.readers)?;
        }
        if true {
            struct_ser.serialize_field("maxReaders", &self.max_readers)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("readersCutOff", ToString::to_string(&self.readers_cut_off).as_str())?;
        }
        if true {
            struct_ser.serialize_field("bootsHidden", &self.boots_hidden)?;
        }
        if true {
            struct_ser.serialize_field("deletions", &self.deletions)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for StatusResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "version",
            "started",
            "agents",
            "store",
            "ingest",
            "subscribers",
            "readers",
            "max_readers",
            "maxReaders",
            "readers_cut_off",
            "readersCutOff",
            "boots_hidden",
            "bootsHidden",
            "deletions",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Version,
            Started,
            Agents,
            Store,
            Ingest,
            Subscribers,
            Readers,
            MaxReaders,
            ReadersCutOff,
            BootsHidden,
            Deletions,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "version" => Ok(GeneratedField::Version),
                            "started" => Ok(GeneratedField::Started),
                            "agents" => Ok(GeneratedField::Agents),
                            "store" => Ok(GeneratedField::Store),
                            "ingest" => Ok(GeneratedField::Ingest),
                            "subscribers" => Ok(GeneratedField::Subscribers),
                            "readers" => Ok(GeneratedField::Readers),
                            "maxReaders" | "max_readers" => Ok(GeneratedField::MaxReaders),
                            "readersCutOff" | "readers_cut_off" => Ok(GeneratedField::ReadersCutOff),
                            "bootsHidden" | "boots_hidden" => Ok(GeneratedField::BootsHidden),
                            "deletions" => Ok(GeneratedField::Deletions),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = StatusResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.StatusResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<StatusResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut version__ = None;
                let mut started__ = None;
                let mut agents__ = None;
                let mut store__ = None;
                let mut ingest__ = None;
                let mut subscribers__ = None;
                let mut readers__ = None;
                let mut max_readers__ = None;
                let mut readers_cut_off__ = None;
                let mut boots_hidden__ = None;
                let mut deletions__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Version => {
                            if version__.is_some() {
                                return Err(serde::de::Error::duplicate_field("version"));
                            }
                            version__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Started => {
                            if started__.is_some() {
                                return Err(serde::de::Error::duplicate_field("started"));
                            }
                            started__ = map_.next_value()?;
                        }
                        GeneratedField::Agents => {
                            if agents__.is_some() {
                                return Err(serde::de::Error::duplicate_field("agents"));
                            }
                            agents__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Store => {
                            if store__.is_some() {
                                return Err(serde::de::Error::duplicate_field("store"));
                            }
                            store__ = map_.next_value()?;
                        }
                        GeneratedField::Ingest => {
                            if ingest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("ingest"));
                            }
                            ingest__ = map_.next_value()?;
                        }
                        GeneratedField::Subscribers => {
                            if subscribers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("subscribers"));
                            }
                            subscribers__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Readers => {
                            if readers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("readers"));
                            }
                            readers__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::MaxReaders => {
                            if max_readers__.is_some() {
                                return Err(serde::de::Error::duplicate_field("maxReaders"));
                            }
                            max_readers__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::ReadersCutOff => {
                            if readers_cut_off__.is_some() {
                                return Err(serde::de::Error::duplicate_field("readersCutOff"));
                            }
                            readers_cut_off__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::BootsHidden => {
                            if boots_hidden__.is_some() {
                                return Err(serde::de::Error::duplicate_field("bootsHidden"));
                            }
                            boots_hidden__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Deletions => {
                            if deletions__.is_some() {
                                return Err(serde::de::Error::duplicate_field("deletions"));
                            }
                            deletions__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(StatusResponse {
                    version: version__.unwrap_or_default(),
                    started: started__,
                    agents: agents__.unwrap_or_default(),
                    store: store__,
                    ingest: ingest__,
                    subscribers: subscribers__.unwrap_or_default(),
                    readers: readers__.unwrap_or_default(),
                    max_readers: max_readers__.unwrap_or_default(),
                    readers_cut_off: readers_cut_off__.unwrap_or_default(),
                    boots_hidden: boots_hidden__.unwrap_or_default(),
                    deletions: deletions__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.StatusResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for StoreStatus {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.StoreStatus", len)?;
        if true {
            struct_ser.serialize_field("backend", &self.backend)?;
        }
        if true {
            struct_ser.serialize_field("location", &self.location)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("sizeBytes", ToString::to_string(&self.size_bytes).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("events", ToString::to_string(&self.events).as_str())?;
        }
        if let Some(v) = self.oldest.as_ref() {
            struct_ser.serialize_field("oldest", v)?;
        }
        if let Some(v) = self.newest.as_ref() {
            struct_ser.serialize_field("newest", v)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("retentionSeconds", ToString::to_string(&self.retention_seconds).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("retentionBytes", ToString::to_string(&self.retention_bytes).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for StoreStatus {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "backend",
            "location",
            "size_bytes",
            "sizeBytes",
            "events",
            "oldest",
            "newest",
            "retention_seconds",
            "retentionSeconds",
            "retention_bytes",
            "retentionBytes",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Backend,
            Location,
            SizeBytes,
            Events,
            Oldest,
            Newest,
            RetentionSeconds,
            RetentionBytes,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "backend" => Ok(GeneratedField::Backend),
                            "location" => Ok(GeneratedField::Location),
                            "sizeBytes" | "size_bytes" => Ok(GeneratedField::SizeBytes),
                            "events" => Ok(GeneratedField::Events),
                            "oldest" => Ok(GeneratedField::Oldest),
                            "newest" => Ok(GeneratedField::Newest),
                            "retentionSeconds" | "retention_seconds" => Ok(GeneratedField::RetentionSeconds),
                            "retentionBytes" | "retention_bytes" => Ok(GeneratedField::RetentionBytes),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = StoreStatus;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.StoreStatus")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<StoreStatus, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut backend__ = None;
                let mut location__ = None;
                let mut size_bytes__ = None;
                let mut events__ = None;
                let mut oldest__ = None;
                let mut newest__ = None;
                let mut retention_seconds__ = None;
                let mut retention_bytes__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Backend => {
                            if backend__.is_some() {
                                return Err(serde::de::Error::duplicate_field("backend"));
                            }
                            backend__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Location => {
                            if location__.is_some() {
                                return Err(serde::de::Error::duplicate_field("location"));
                            }
                            location__ = Some(map_.next_value()?);
                        }
                        GeneratedField::SizeBytes => {
                            if size_bytes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("sizeBytes"));
                            }
                            size_bytes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Events => {
                            if events__.is_some() {
                                return Err(serde::de::Error::duplicate_field("events"));
                            }
                            events__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Oldest => {
                            if oldest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("oldest"));
                            }
                            oldest__ = map_.next_value()?;
                        }
                        GeneratedField::Newest => {
                            if newest__.is_some() {
                                return Err(serde::de::Error::duplicate_field("newest"));
                            }
                            newest__ = map_.next_value()?;
                        }
                        GeneratedField::RetentionSeconds => {
                            if retention_seconds__.is_some() {
                                return Err(serde::de::Error::duplicate_field("retentionSeconds"));
                            }
                            retention_seconds__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::RetentionBytes => {
                            if retention_bytes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("retentionBytes"));
                            }
                            retention_bytes__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(StoreStatus {
                    backend: backend__.unwrap_or_default(),
                    location: location__.unwrap_or_default(),
                    size_bytes: size_bytes__.unwrap_or_default(),
                    events: events__.unwrap_or_default(),
                    oldest: oldest__,
                    newest: newest__,
                    retention_seconds: retention_seconds__.unwrap_or_default(),
                    retention_bytes: retention_bytes__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.StoreStatus", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for SubscribeRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.SubscribeRequest", len)?;
        if let Some(v) = self.filter.as_ref() {
            struct_ser.serialize_field("filter", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for SubscribeRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "filter",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Filter,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "filter" => Ok(GeneratedField::Filter),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = SubscribeRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.SubscribeRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<SubscribeRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut filter__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Filter => {
                            if filter__.is_some() {
                                return Err(serde::de::Error::duplicate_field("filter"));
                            }
                            filter__ = map_.next_value()?;
                        }
                    }
                }
                Ok(SubscribeRequest {
                    filter: filter__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.SubscribeRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for SubscribeResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.item.is_some() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.SubscribeResponse", len)?;
        if let Some(v) = self.item.as_ref() {
            match v {
                subscribe_response::Item::Event(v) => {
                    struct_ser.serialize_field("event", v)?;
                }
                subscribe_response::Item::Missed(v) => {
                    struct_ser.serialize_field("missed", v)?;
                }
            }
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for SubscribeResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "event",
            "missed",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Event,
            Missed,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "event" => Ok(GeneratedField::Event),
                            "missed" => Ok(GeneratedField::Missed),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = SubscribeResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.SubscribeResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<SubscribeResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut item__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Event => {
                            if item__.is_some() {
                                return Err(serde::de::Error::duplicate_field("event"));
                            }
                            item__ = map_.next_value::<::std::option::Option<_>>()?.map(subscribe_response::Item::Event)
;
                        }
                        GeneratedField::Missed => {
                            if item__.is_some() {
                                return Err(serde::de::Error::duplicate_field("missed"));
                            }
                            item__ = map_.next_value::<::std::option::Option<_>>()?.map(subscribe_response::Item::Missed)
;
                        }
                    }
                }
                Ok(SubscribeResponse {
                    item: item__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.SubscribeResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Unjudged {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Unjudged", len)?;
        if true {
            struct_ser.serialize_field("reason", &self.reason)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("count", ToString::to_string(&self.count).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Unjudged {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "reason",
            "count",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Reason,
            Count,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "reason" => Ok(GeneratedField::Reason),
                            "count" => Ok(GeneratedField::Count),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Unjudged;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Unjudged")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Unjudged, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut reason__ = None;
                let mut count__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Reason => {
                            if reason__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reason"));
                            }
                            reason__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Count => {
                            if count__.is_some() {
                                return Err(serde::de::Error::duplicate_field("count"));
                            }
                            count__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(Unjudged {
                    reason: reason__.unwrap_or_default(),
                    count: count__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Unjudged", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for Verdict {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.Verdict", len)?;
        if true {
            let v = verdict::Action::try_from(self.action)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.action)))?;
            struct_ser.serialize_field("action", &v)?;
        }
        if true {
            struct_ser.serialize_field("policy", &self.policy)?;
        }
        if true {
            struct_ser.serialize_field("rule", &self.rule)?;
        }
        if true {
            let v = verdict::Tier::try_from(self.tier)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.tier)))?;
            struct_ser.serialize_field("tier", &v)?;
        }
        if true {
            struct_ser.serialize_field("enforced", &self.enforced)?;
        }
        if true {
            struct_ser.serialize_field("degraded", &self.degraded)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Verdict {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "action",
            "policy",
            "rule",
            "tier",
            "enforced",
            "degraded",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Action,
            Policy,
            Rule,
            Tier,
            Enforced,
            Degraded,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "action" => Ok(GeneratedField::Action),
                            "policy" => Ok(GeneratedField::Policy),
                            "rule" => Ok(GeneratedField::Rule),
                            "tier" => Ok(GeneratedField::Tier),
                            "enforced" => Ok(GeneratedField::Enforced),
                            "degraded" => Ok(GeneratedField::Degraded),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Verdict;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.Verdict")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Verdict, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut action__ = None;
                let mut policy__ = None;
                let mut rule__ = None;
                let mut tier__ = None;
                let mut enforced__ = None;
                let mut degraded__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Action => {
                            if action__.is_some() {
                                return Err(serde::de::Error::duplicate_field("action"));
                            }
                            action__ = Some(map_.next_value::<verdict::Action>()? as i32);
                        }
                        GeneratedField::Policy => {
                            if policy__.is_some() {
                                return Err(serde::de::Error::duplicate_field("policy"));
                            }
                            policy__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Rule => {
                            if rule__.is_some() {
                                return Err(serde::de::Error::duplicate_field("rule"));
                            }
                            rule__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Tier => {
                            if tier__.is_some() {
                                return Err(serde::de::Error::duplicate_field("tier"));
                            }
                            tier__ = Some(map_.next_value::<verdict::Tier>()? as i32);
                        }
                        GeneratedField::Enforced => {
                            if enforced__.is_some() {
                                return Err(serde::de::Error::duplicate_field("enforced"));
                            }
                            enforced__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Degraded => {
                            if degraded__.is_some() {
                                return Err(serde::de::Error::duplicate_field("degraded"));
                            }
                            degraded__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(Verdict {
                    action: action__.unwrap_or_default(),
                    policy: policy__.unwrap_or_default(),
                    rule: rule__.unwrap_or_default(),
                    tier: tier__.unwrap_or_default(),
                    enforced: enforced__.unwrap_or_default(),
                    degraded: degraded__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.Verdict", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for verdict::Action {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "ACTION_UNSPECIFIED",
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::Audit => "audit",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for verdict::Action {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "ACTION_UNSPECIFIED",
            "allow",
            "deny",
            "audit",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = verdict::Action;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "ACTION_UNSPECIFIED" => Ok(verdict::Action::Unspecified),
                    "allow" => Ok(verdict::Action::Allow),
                    "deny" => Ok(verdict::Action::Deny),
                    "audit" => Ok(verdict::Action::Audit),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for verdict::Tier {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        let variant = match self {
            Self::Unspecified => "TIER_UNSPECIFIED",
            Self::Lsm => "lsm",
            Self::Cgroup => "cgroup",
            Self::Sigkill => "sigkill",
            Self::None => "none",
        };
        serializer.serialize_str(variant)
    }
}
impl<'de> serde::Deserialize<'de> for verdict::Tier {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "TIER_UNSPECIFIED",
            "lsm",
            "cgroup",
            "sigkill",
            "none",
        ];

        struct GeneratedVisitor;

        impl serde::de::Visitor<'_> for GeneratedVisitor {
            type Value = verdict::Tier;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(formatter, "expected one of: {:?}", &FIELDS)
            }

            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(v), &self)
                    })
            }

            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                i32::try_from(v)
                    .ok()
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| {
                        serde::de::Error::invalid_value(serde::de::Unexpected::Unsigned(v), &self)
                    })
            }

            fn visit_str<E>(self, value: &str) -> std::result::Result<Self::Value, E>
            where
                E: serde::de::Error,
            {
                match value {
                    "TIER_UNSPECIFIED" => Ok(verdict::Tier::Unspecified),
                    "lsm" => Ok(verdict::Tier::Lsm),
                    "cgroup" => Ok(verdict::Tier::Cgroup),
                    "sigkill" => Ok(verdict::Tier::Sigkill),
                    "none" => Ok(verdict::Tier::None),
                    _ => Err(serde::de::Error::unknown_variant(value, FIELDS)),
                }
            }
        }
        deserializer.deserialize_any(GeneratedVisitor)
    }
}
impl serde::Serialize for VerdictChange {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.VerdictChange", len)?;
        if true {
            let v = verdict::Action::try_from(self.from)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.from)))?;
            struct_ser.serialize_field("from", &v)?;
        }
        if true {
            let v = verdict::Action::try_from(self.to)
                .map_err(|_| serde::ser::Error::custom(format!("Invalid variant {}", self.to)))?;
            struct_ser.serialize_field("to", &v)?;
        }
        if true {
            struct_ser.serialize_field("policy", &self.policy)?;
        }
        if true {
            struct_ser.serialize_field("rule", &self.rule)?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("count", ToString::to_string(&self.count).as_str())?;
        }
        if true {
            struct_ser.serialize_field("pods", &self.pods)?;
        }
        if true {
            struct_ser.serialize_field("kinds", &self.kinds)?;
        }
        if true {
            struct_ser.serialize_field("samples", &self.samples)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for VerdictChange {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "from",
            "to",
            "policy",
            "rule",
            "count",
            "pods",
            "kinds",
            "samples",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            From,
            To,
            Policy,
            Rule,
            Count,
            Pods,
            Kinds,
            Samples,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "from" => Ok(GeneratedField::From),
                            "to" => Ok(GeneratedField::To),
                            "policy" => Ok(GeneratedField::Policy),
                            "rule" => Ok(GeneratedField::Rule),
                            "count" => Ok(GeneratedField::Count),
                            "pods" => Ok(GeneratedField::Pods),
                            "kinds" => Ok(GeneratedField::Kinds),
                            "samples" => Ok(GeneratedField::Samples),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = VerdictChange;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.VerdictChange")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<VerdictChange, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut from__ = None;
                let mut to__ = None;
                let mut policy__ = None;
                let mut rule__ = None;
                let mut count__ = None;
                let mut pods__ = None;
                let mut kinds__ = None;
                let mut samples__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::From => {
                            if from__.is_some() {
                                return Err(serde::de::Error::duplicate_field("from"));
                            }
                            from__ = Some(map_.next_value::<verdict::Action>()? as i32);
                        }
                        GeneratedField::To => {
                            if to__.is_some() {
                                return Err(serde::de::Error::duplicate_field("to"));
                            }
                            to__ = Some(map_.next_value::<verdict::Action>()? as i32);
                        }
                        GeneratedField::Policy => {
                            if policy__.is_some() {
                                return Err(serde::de::Error::duplicate_field("policy"));
                            }
                            policy__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Rule => {
                            if rule__.is_some() {
                                return Err(serde::de::Error::duplicate_field("rule"));
                            }
                            rule__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Count => {
                            if count__.is_some() {
                                return Err(serde::de::Error::duplicate_field("count"));
                            }
                            count__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Pods => {
                            if pods__.is_some() {
                                return Err(serde::de::Error::duplicate_field("pods"));
                            }
                            pods__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Kinds => {
                            if kinds__.is_some() {
                                return Err(serde::de::Error::duplicate_field("kinds"));
                            }
                            kinds__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Samples => {
                            if samples__.is_some() {
                                return Err(serde::de::Error::duplicate_field("samples"));
                            }
                            samples__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(VerdictChange {
                    from: from__.unwrap_or_default(),
                    to: to__.unwrap_or_default(),
                    policy: policy__.unwrap_or_default(),
                    rule: rule__.unwrap_or_default(),
                    count: count__.unwrap_or_default(),
                    pods: pods__.unwrap_or_default(),
                    kinds: kinds__.unwrap_or_default(),
                    samples: samples__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.VerdictChange", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for VerifyRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.VerifyRequest", len)?;
        if true {
            struct_ser.serialize_field("node", &self.node)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for VerifyRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "node",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Node,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "node" => Ok(GeneratedField::Node),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = VerifyRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.VerifyRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<VerifyRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut node__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Node => {
                            if node__.is_some() {
                                return Err(serde::de::Error::duplicate_field("node"));
                            }
                            node__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(VerifyRequest {
                    node: node__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.VerifyRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for VerifyResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.VerifyResponse", len)?;
        if true {
            struct_ser.serialize_field("nodes", &self.nodes)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for VerifyResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "nodes",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Nodes,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "nodes" => Ok(GeneratedField::Nodes),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = VerifyResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.VerifyResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<VerifyResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut nodes__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Nodes => {
                            if nodes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("nodes"));
                            }
                            nodes__ = Some(map_.next_value()?);
                        }
                    }
                }
                Ok(VerifyResponse {
                    nodes: nodes__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.VerifyResponse", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for WhatIfProgress {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.WhatIfProgress", len)?;
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("eventsRead", ToString::to_string(&self.events_read).as_str())?;
        }
        if let Some(v) = self.reached.as_ref() {
            struct_ser.serialize_field("reached", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for WhatIfProgress {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "events_read",
            "eventsRead",
            "reached",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            EventsRead,
            Reached,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "eventsRead" | "events_read" => Ok(GeneratedField::EventsRead),
                            "reached" => Ok(GeneratedField::Reached),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = WhatIfProgress;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.WhatIfProgress")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<WhatIfProgress, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut events_read__ = None;
                let mut reached__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::EventsRead => {
                            if events_read__.is_some() {
                                return Err(serde::de::Error::duplicate_field("eventsRead"));
                            }
                            events_read__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Reached => {
                            if reached__.is_some() {
                                return Err(serde::de::Error::duplicate_field("reached"));
                            }
                            reached__ = map_.next_value()?;
                        }
                    }
                }
                Ok(WhatIfProgress {
                    events_read: events_read__.unwrap_or_default(),
                    reached: reached__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.WhatIfProgress", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for WhatIfReport {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.WhatIfReport", len)?;
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("eventsRead", ToString::to_string(&self.events_read).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("judged", ToString::to_string(&self.judged).as_str())?;
        }
        if true {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("changed", ToString::to_string(&self.changed).as_str())?;
        }
        if true {
            struct_ser.serialize_field("changes", &self.changes)?;
        }
        if true {
            struct_ser.serialize_field("unjudged", &self.unjudged)?;
        }
        if true {
            struct_ser.serialize_field("policies", &self.policies)?;
        }
        if true {
            struct_ser.serialize_field("replaced", &self.replaced)?;
        }
        if let Some(v) = self.first.as_ref() {
            struct_ser.serialize_field("first", v)?;
        }
        if let Some(v) = self.last.as_ref() {
            struct_ser.serialize_field("last", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for WhatIfReport {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "events_read",
            "eventsRead",
            "judged",
            "changed",
            "changes",
            "unjudged",
            "policies",
            "replaced",
            "first",
            "last",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            EventsRead,
            Judged,
            Changed,
            Changes,
            Unjudged,
            Policies,
            Replaced,
            First,
            Last,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "eventsRead" | "events_read" => Ok(GeneratedField::EventsRead),
                            "judged" => Ok(GeneratedField::Judged),
                            "changed" => Ok(GeneratedField::Changed),
                            "changes" => Ok(GeneratedField::Changes),
                            "unjudged" => Ok(GeneratedField::Unjudged),
                            "policies" => Ok(GeneratedField::Policies),
                            "replaced" => Ok(GeneratedField::Replaced),
                            "first" => Ok(GeneratedField::First),
                            "last" => Ok(GeneratedField::Last),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = WhatIfReport;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.WhatIfReport")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<WhatIfReport, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut events_read__ = None;
                let mut judged__ = None;
                let mut changed__ = None;
                let mut changes__ = None;
                let mut unjudged__ = None;
                let mut policies__ = None;
                let mut replaced__ = None;
                let mut first__ = None;
                let mut last__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::EventsRead => {
                            if events_read__.is_some() {
                                return Err(serde::de::Error::duplicate_field("eventsRead"));
                            }
                            events_read__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Judged => {
                            if judged__.is_some() {
                                return Err(serde::de::Error::duplicate_field("judged"));
                            }
                            judged__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Changed => {
                            if changed__.is_some() {
                                return Err(serde::de::Error::duplicate_field("changed"));
                            }
                            changed__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Changes => {
                            if changes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("changes"));
                            }
                            changes__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Unjudged => {
                            if unjudged__.is_some() {
                                return Err(serde::de::Error::duplicate_field("unjudged"));
                            }
                            unjudged__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Policies => {
                            if policies__.is_some() {
                                return Err(serde::de::Error::duplicate_field("policies"));
                            }
                            policies__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Replaced => {
                            if replaced__.is_some() {
                                return Err(serde::de::Error::duplicate_field("replaced"));
                            }
                            replaced__ = Some(map_.next_value()?);
                        }
                        GeneratedField::First => {
                            if first__.is_some() {
                                return Err(serde::de::Error::duplicate_field("first"));
                            }
                            first__ = map_.next_value()?;
                        }
                        GeneratedField::Last => {
                            if last__.is_some() {
                                return Err(serde::de::Error::duplicate_field("last"));
                            }
                            last__ = map_.next_value()?;
                        }
                    }
                }
                Ok(WhatIfReport {
                    events_read: events_read__.unwrap_or_default(),
                    judged: judged__.unwrap_or_default(),
                    changed: changed__.unwrap_or_default(),
                    changes: changes__.unwrap_or_default(),
                    unjudged: unjudged__.unwrap_or_default(),
                    policies: policies__.unwrap_or_default(),
                    replaced: replaced__.unwrap_or_default(),
                    first: first__,
                    last: last__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.WhatIfReport", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for WhatIfRequest {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        if true {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.WhatIfRequest", len)?;
        if let Some(v) = self.filter.as_ref() {
            struct_ser.serialize_field("filter", v)?;
        }
        if true {
            struct_ser.serialize_field("candidates", &self.candidates)?;
        }
        if true {
            struct_ser.serialize_field("base", &self.base)?;
        }
        if true {
            struct_ser.serialize_field("samples", &self.samples)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for WhatIfRequest {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "filter",
            "candidates",
            "base",
            "samples",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Filter,
            Candidates,
            Base,
            Samples,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "filter" => Ok(GeneratedField::Filter),
                            "candidates" => Ok(GeneratedField::Candidates),
                            "base" => Ok(GeneratedField::Base),
                            "samples" => Ok(GeneratedField::Samples),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = WhatIfRequest;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.WhatIfRequest")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<WhatIfRequest, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut filter__ = None;
                let mut candidates__ = None;
                let mut base__ = None;
                let mut samples__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Filter => {
                            if filter__.is_some() {
                                return Err(serde::de::Error::duplicate_field("filter"));
                            }
                            filter__ = map_.next_value()?;
                        }
                        GeneratedField::Candidates => {
                            if candidates__.is_some() {
                                return Err(serde::de::Error::duplicate_field("candidates"));
                            }
                            candidates__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Base => {
                            if base__.is_some() {
                                return Err(serde::de::Error::duplicate_field("base"));
                            }
                            base__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Samples => {
                            if samples__.is_some() {
                                return Err(serde::de::Error::duplicate_field("samples"));
                            }
                            samples__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(WhatIfRequest {
                    filter: filter__,
                    candidates: candidates__.unwrap_or_default(),
                    base: base__.unwrap_or_default(),
                    samples: samples__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.WhatIfRequest", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for WhatIfResponse {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.item.is_some() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("rampart.v1.WhatIfResponse", len)?;
        if let Some(v) = self.item.as_ref() {
            match v {
                what_if_response::Item::Progress(v) => {
                    struct_ser.serialize_field("progress", v)?;
                }
                what_if_response::Item::Report(v) => {
                    struct_ser.serialize_field("report", v)?;
                }
            }
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for WhatIfResponse {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "progress",
            "report",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Progress,
            Report,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "progress" => Ok(GeneratedField::Progress),
                            "report" => Ok(GeneratedField::Report),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = WhatIfResponse;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct rampart.v1.WhatIfResponse")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<WhatIfResponse, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut item__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Progress => {
                            if item__.is_some() {
                                return Err(serde::de::Error::duplicate_field("progress"));
                            }
                            item__ = map_.next_value::<::std::option::Option<_>>()?.map(what_if_response::Item::Progress)
;
                        }
                        GeneratedField::Report => {
                            if item__.is_some() {
                                return Err(serde::de::Error::duplicate_field("report"));
                            }
                            item__ = map_.next_value::<::std::option::Option<_>>()?.map(what_if_response::Item::Report)
;
                        }
                    }
                }
                Ok(WhatIfResponse {
                    item: item__,
                })
            }
        }
        deserializer.deserialize_struct("rampart.v1.WhatIfResponse", FIELDS, GeneratedVisitor)
    }
}
