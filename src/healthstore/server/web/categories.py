"""The Health app's categories of types (Apple's and Health Connect's browse list): an
explicit table for the types that do not follow a naming rule, then rules by name."""

from __future__ import annotations

from healthstore import catalogue
from healthstore.catalogue.registry import Kind, ObjectType

CATEGORIES = (
    "Activity",
    "Body Measurements",
    "Cycle Tracking",
    "Hearing",
    "Heart",
    "Medications",
    "Mental Wellbeing",
    "Mobility",
    "Nutrition",
    "Respiratory",
    "Sleep",
    "Symptoms",
    "Vitals",
    "Other Data",
    "Health Records",
)

_EXPLICIT = {
    "Activity": (
        "activeEnergyBurned appleExerciseTime appleMoveTime appleStandTime basalEnergyBurned "
        "flightsClimbed nikeFuel physicalEffort pushCount stepCount swimmingStrokeCount "
        "vo2Max workout workoutRoute appleStandHour estimatedWorkoutEffortScore "
        "workoutEffortScore activitySummary timeInDaylight underwaterDepth waterTemperature"
    ),
    "Body Measurements": (
        "bodyFatPercentage bodyMass bodyMassIndex height leanBodyMass waistCircumference "
        "basalBodyTemperature electrodermalActivity appleSleepingWristTemperature"
    ),
    "Cycle Tracking": (
        "cervicalMucusQuality contraceptive intermenstrualBleeding lactation menstrualFlow "
        "ovulationTestResult pregnancy pregnancyTestResult progesteroneTestResult "
        "sexualActivity infrequentMenstrualCycles irregularMenstrualCycles "
        "persistentIntermenstrualBleeding prolongedMenstrualPeriods bleedingAfterPregnancy "
        "bleedingDuringPregnancy bleedingAfterMenopause menopausalState"
    ),
    "Hearing": (
        "environmentalAudioExposure environmentalSoundReduction headphoneAudioExposure "
        "audioExposureEvent environmentalAudioExposureEvent headphoneAudioExposureEvent "
        "audiogram"
    ),
    "Heart": (
        "atrialFibrillationBurden heartRate heartRateRecoveryOneMinute "
        "heartRateVariabilityRMSSD heartRateVariabilitySDNN restingHeartRate "
        "walkingHeartRateAverage highHeartRateEvent irregularHeartRhythmEvent "
        "lowCardioFitnessEvent lowHeartRateEvent heartbeatSeries electrocardiogram "
        "peripheralPerfusionIndex hypertensionEvent"
    ),
    "Medications": "insulinDelivery inhalerUsage",
    "Mental Wellbeing": "mindfulSession stateOfMind gad7 phq9",
    "Mobility": (
        "appleWalkingSteadiness appleWalkingSteadinessEvent sixMinuteWalkTestDistance "
        "stairAscentSpeed stairDescentSpeed walkingAsymmetryPercentage "
        "walkingDoubleSupportPercentage walkingSpeed walkingStepLength runningGroundContactTime "
        "runningPower runningSpeed runningStrideLength runningVerticalOscillation "
        "numberOfTimesFallen"
    ),
    "Nutrition": "food numberOfAlcoholicBeverages bloodAlcoholContent",
    "Respiratory": (
        "forcedExpiratoryVolume1 forcedVitalCapacity oxygenSaturation peakExpiratoryFlowRate "
        "respiratoryRate appleSleepingBreathingDisturbances"
    ),
    "Sleep": "sleepAnalysis sleepApneaEvent",
    "Vitals": "bloodGlucose bloodPressure bloodPressureDiastolic bloodPressureSystolic "
    "bodyTemperature",
    "Other Data": "handwashingEvent toothbrushingEvent uvExposure visionPrescription cda",
}
_BY_NAME = {name: category for category, names in _EXPLICIT.items() for name in names.split()}


def category_of(t: ObjectType) -> str:
    """The category ``t`` is browsed under."""
    name = t.short_name
    if name in _BY_NAME:
        return _BY_NAME[name]
    if t.kind in (Kind.clinical, Kind.verifiableClinicalRecord) or name.endswith("Record"):
        return "Health Records"
    if name.startswith("dietary"):
        return "Nutrition"
    if name.startswith(("distance", "cycling", "crossCountry", "paddle", "rowing")):
        return "Activity"
    if t.kind == Kind.category:
        return "Symptoms"
    return "Other Data"


def browsable_types() -> list[ObjectType]:
    """Every type a person can open a page of (characteristics live in the profile)."""
    return [t for t in catalogue.all_types() if t.kind.value != "characteristic"]
