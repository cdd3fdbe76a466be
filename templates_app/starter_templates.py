"""The curated starter templates ``manage.py seed_templates`` creates (SPEC §7).

Written for this project. Each covers all five categories of a rule.
"""


def _body(values, communication, membership, decisions, conflict):
    sections = zip(
        ("Values", "Communication", "Membership", "Decision-making", "Conflict management"),
        (values, communication, membership, decisions, conflict),
    )
    return {
        "sections": [
            {"categoryName": name, "entries": [{"title": title, "body": body} for title, body in entries]}
            for name, entries in sections
        ]
    }


STARTER_TEMPLATES = [
    {
        "slug": "consensus",
        "title": "Consensus circle",
        "category": "Consensus",
        "description": "Everyone present shapes each decision, and nothing passes while a member still blocks it.",
        "featured": True,
        "sort_order": 10,
        "published": True,
        "body": _body(
            [
                ("Every voice counts", "We would rather take longer than leave someone behind. A decision belongs to all of us."),
                ("Good faith", "We assume others want what is best for the group, even when we disagree with them."),
            ],
            [
                ("Open meetings", "Meetings are announced a week ahead with an agenda anyone may add to."),
                ("Written record", "A rotating note-taker records proposals, concerns and outcomes where every member can read them."),
            ],
            [
                ("Joining", "Anyone who shares our purpose may join after attending two meetings."),
                ("Leaving", "Members may leave at any time; we ask them to tell the group so work can be handed on."),
            ],
            [
                ("Proposals", "A proposal is shared in writing before the meeting that considers it."),
                ("Reaching consensus", "After discussion each member agrees, stands aside, or blocks. A block must name a principle of the group that the proposal would break."),
                ("When we are stuck", "A proposal blocked at two meetings goes to a small working group that includes the blocking member."),
            ],
            [
                ("Talk first", "People in a disagreement first try to resolve it directly and privately."),
                ("Facilitated conversation", "If that fails, either person may ask a member both trust to facilitate a conversation."),
            ],
        ),
    },
    {
        "slug": "sociocracy",
        "title": "Sociocratic circles",
        "category": "Sociocracy",
        "description": "Work is split among semi-autonomous circles that decide by consent and link to each other through delegates.",
        "featured": True,
        "sort_order": 20,
        "published": True,
        "body": _body(
            [
                ("Equivalence", "Each member has an equal say in the decisions of the circles they belong to."),
                ("Effectiveness", "We organise so that decisions are made by the people doing the work."),
            ],
            [
                ("Rounds", "In meetings, people speak in turn so that every member is heard before anyone speaks twice."),
                ("Circle logbooks", "Each circle keeps its policies and decisions in a shared logbook open to all members."),
            ],
            [
                ("Circles", "Each member belongs to at least one circle with a clear area of responsibility."),
                ("Double links", "Two circles that depend on each other exchange a leader and an elected delegate, who take part in both."),
            ],
            [
                ("Consent", "A proposal passes when no member of the circle has a reasoned, paramount objection."),
                ("Objections improve proposals", "An objection is treated as information; the circle amends the proposal until the objection is resolved."),
                ("Elections", "Roles are filled by open election: members nominate aloud, give reasons, and the facilitator proposes a candidate for consent."),
            ],
            [
                ("Within a circle", "Tensions are brought to the circle's next meeting as an agenda item."),
                ("Between circles", "Disputes between circles go to the circle that both report to."),
            ],
        ),
    },
    {
        "slug": "do-ocracy",
        "title": "Do-ocracy",
        "category": "Do-ocracy",
        "description": "Whoever does the work decides how it is done, within a few shared limits.",
        "featured": True,
        "sort_order": 30,
        "published": True,
        "body": _body(
            [
                ("Initiative", "If something needs doing, the person who does it gets to decide how."),
                ("Responsibility", "Those who act own the results and fix what they break."),
            ],
            [
                ("Announce before acting", "Before starting something that affects others, post a short note so people can offer help or raise concerns."),
                ("Show the work", "Finished work is shared where others can see it and build on it."),
            ],
            [
                ("Open door", "Anyone who contributes is a member; there is no application."),
                ("Becoming inactive", "Members who have not contributed for six months are listed as inactive until they return."),
            ],
            [
                ("Doing decides", "Routine choices are made by the person doing the task, without asking permission."),
                ("Limits", "Spending shared money or changing these rules needs a proposal open for comment for seven days."),
                ("Stepping back", "A doer may be asked to pause if three members raise the same concern; the question then goes to a group discussion."),
            ],
            [
                ("Assume good intent", "Disagree with the work, not the worker. Offer a better version rather than only criticism."),
                ("Mediators", "Two members chosen each year help settle disputes that the people involved cannot settle alone."),
            ],
        ),
    },
    {
        "slug": "elected-board",
        "title": "Elected board",
        "category": "Representative",
        "description": "Members elect a small board that makes day-to-day decisions and answers to the membership.",
        "featured": False,
        "sort_order": 40,
        "published": True,
        "body": _body(
            [
                ("Accountability", "Those who decide on behalf of others must explain their decisions and can be replaced."),
                ("Continuity", "A stable board lets the group plan beyond the next meeting."),
            ],
            [
                ("Board minutes", "The board publishes minutes of each meeting within a week."),
                ("Annual meeting", "Once a year the board reports to all members and answers their questions."),
            ],
            [
                ("Eligibility", "Every member in good standing may vote and may stand for the board."),
                ("Dues", "Members pay the dues set at the annual meeting; hardship waivers are granted on request without questions."),
            ],
            [
                ("Elections", "The board has five seats with staggered two-year terms, filled by secret ballot at the annual meeting."),
                ("Board decisions", "The board decides by simple majority with at least three members present."),
                ("Member override", "A petition by a fifth of the members calls a general vote that can overturn a board decision."),
            ],
            [
                ("Complaints", "Complaints go to the board secretary, or to the board chair if the secretary is involved."),
                ("Recall", "A board member can be recalled by a two-thirds vote at a general meeting."),
            ],
        ),
    },
    {
        "slug": "sortition",
        "title": "Sortition assembly",
        "category": "Sortition",
        "description": "A council chosen by lot from the membership deliberates and decides, so anyone may end up governing.",
        "featured": False,
        "sort_order": 50,
        "published": True,
        "body": _body(
            [
                ("Fair chance", "Every member has the same chance to serve, whatever their popularity or free time."),
                ("Deliberation", "Good decisions come from people who have time to learn about a question and weigh it together."),
            ],
            [
                ("Briefings", "Before deciding, the council hears from members with different views and publishes what it heard."),
                ("Reasons", "Every council decision is published with the reasons for it."),
            ],
            [
                ("The pool", "All members are in the pool unless they opt out for a term."),
                ("Terms", "Council members serve six months; half the seats are redrawn every three months."),
            ],
            [
                ("The draw", "Seven members are drawn by a public random method that anyone can check afterwards."),
                ("Deciding", "The council aims for agreement and otherwise decides by a two-thirds vote."),
                ("Big changes", "Changes to this rule are drafted by the council and approved by a vote of all members."),
            ],
            [
                ("Conflict panel", "Disputes are heard by three members drawn by lot from those not involved."),
                ("Conflicts of interest", "A council member steps out of any decision that concerns them personally."),
            ],
        ),
    },
    {
        "slug": "liquid-democracy",
        "title": "Liquid democracy",
        "category": "Liquid democracy",
        "description": "Members vote directly or lend their vote to someone they trust, topic by topic, and can take it back at any time.",
        "featured": False,
        "sort_order": 60,
        "published": True,
        "body": _body(
            [
                ("Choice of participation", "Members take part as much or as little as they want, without losing their voice."),
                ("Trust is revocable", "Nobody holds another member's vote for longer than that member wants."),
            ],
            [
                ("Public delegations", "Who delegates to whom, and on which topic, is visible to all members."),
                ("Proposal threads", "Each proposal has a discussion thread open for at least five days before voting starts."),
            ],
            [
                ("Joining", "New members can vote from the day they join."),
                ("Delegates", "Any member can act as a delegate; delegates are not paid and hold no other power."),
            ],
            [
                ("Direct or delegated", "For each topic a member either votes directly or delegates to another member, who may delegate further."),
                ("Overriding", "A member who votes directly on a question overrides their delegate for that question."),
                ("Passing", "A proposal passes with a majority of votes cast, provided a third of all votes were used directly or by delegation."),
            ],
            [
                ("Withdraw and talk", "If you disagree with how your delegate voted, take your vote back and talk with them."),
                ("Ombudsperson", "An ombudsperson elected each year handles complaints about conduct and about how votes were counted."),
            ],
        ),
    },
]
